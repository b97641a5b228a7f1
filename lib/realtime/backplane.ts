/**
 * Fan-out between app instances. In-process by default; Redis pub/sub when
 * REDIS_URL is set (a later issue), so a visitor on instance A reaches an
 * agent on instance B.
 */
export type Envelope =
  | { kind: "room"; room: string; data: string; exceptConn?: string }
  /** One frame to several rooms: a connection in more than one of them gets it once. */
  | { kind: "rooms"; rooms: string[]; data: string; exceptConn?: string }
  | { kind: "kick"; userId: number; code: number; reason: string };

export interface Backplane {
  publish(env: Envelope): void;
  onMessage(handler: (env: Envelope) => void): void;
  close(): Promise<void>;
}

export function memoryBackplane(): Backplane {
  let handler: (env: Envelope) => void = () => {};
  return {
    publish(env) {
      handler(env);
    },
    onMessage(h) {
      handler = h;
    },
    async close() {},
  };
}

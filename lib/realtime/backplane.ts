/**
 * Fan-out between app instances. In-process by default; Redis pub/sub when
 * REDIS_URL is set (a later issue), so a visitor on instance A reaches an
 * agent on instance B.
 */
export type Envelope =
  | { kind: "room"; room: string; data: string; exceptConn?: string }
  /** One frame to several rooms: a connection in more than one of them gets it once. */
  | { kind: "rooms"; rooms: string[]; data: string; exceptConn?: string }
  | { kind: "kick"; userId: number; code: number; reason: string }
  /** The user's rights changed in the database: re-authorise their open sockets. */
  | { kind: "reauth"; userId: number };

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

const CHANNEL = "onlinechatcrm:hub";

/**
 * Redis pub/sub fan-out for several app instances. A publish is delivered
 * locally at once and sent to Redis; each instance ignores its own echo.
 */
export async function redisBackplane(url: string): Promise<Backplane> {
  const { Redis } = await import("ioredis");
  const { randomUUID } = await import("node:crypto");
  const { logger } = await import("../logger");
  const self = randomUUID();
  const pub = new Redis(url, { lazyConnect: true, enableAutoPipelining: true });
  const sub = new Redis(url, { lazyConnect: true });
  for (const c of [pub, sub]) c.on("error", (err) => logger.warn({ err }, "redis backplane error"));
  await Promise.all([pub.connect(), sub.connect()]);
  let handler: (env: Envelope) => void = () => {};
  sub.on("message", (_channel: string, raw: string) => {
    try {
      const { from, env } = JSON.parse(raw) as { from: string; env: Envelope };
      if (from !== self) handler(env);
    } catch (err) {
      logger.warn({ err }, "bad backplane message");
    }
  });
  await sub.subscribe(CHANNEL);
  return {
    publish(env) {
      handler(env);
      void pub.publish(CHANNEL, JSON.stringify({ from: self, env })).catch((err) => logger.warn({ err }, "backplane publish failed"));
    },
    onMessage(h) {
      handler = h;
    },
    async close() {
      await Promise.allSettled([sub.quit(), pub.quit()]);
    },
  };
}

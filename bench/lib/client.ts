import { WebSocket } from "ws";

export type Frame = { type: string; ref?: string; [k: string]: unknown };

/**
 * A thin `ws` client for the benchmarks: parses every frame (as a browser
 * client would), hands it to `onFrame`, and lets setup code await a reply by
 * `ref`. Runs in the same process as the server, so its work shares the
 * event loop with the hub (see RESULTS.md).
 */
export class BenchSocket {
  onFrame: (f: Frame, now: number) => void = () => {};
  readonly closed: Promise<void>;
  private waiters = new Map<string, { resolve: (f: Frame) => void; reject: (e: Error) => void }>();
  private hello?: Promise<Frame>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((r) => ws.once("close", () => r()));
    ws.on("error", () => {});
    ws.on("message", (data) => {
      const now = performance.now();
      const f = JSON.parse(data.toString()) as Frame;
      if (f.ref !== undefined && (f.type === "joined" || f.type === "error" || f.type === "pong")) {
        const w = this.waiters.get(f.ref);
        if (w) {
          this.waiters.delete(f.ref);
          if (f.type === "error") w.reject(new Error(`server error for ${f.ref}: ${String(f.code)} ${String(f.message)}`));
          else w.resolve(f);
          return;
        }
      }
      this.onFrame(f, now);
    });
  }

  /** Open a socket and wait for the server's `hello` (or for an echo server, just the open). */
  static async open(url: string, opts: { expectHello: boolean; timeoutMs?: number }): Promise<BenchSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const s = new BenchSocket(ws);
    if (opts.expectHello) {
      s.hello = new Promise<Frame>((resolve) => {
        const prev = s.onFrame;
        s.onFrame = (f, now) => (f.type === "hello" ? ((s.onFrame = prev), resolve(f)) : prev(f, now));
      });
    }
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
        ws.once("error", reject);
      }),
      opts.timeoutMs ?? 10_000,
      `open ${url}`,
    );
    if (s.hello) await withTimeout(s.hello, opts.timeoutMs ?? 10_000, "hello");
    return s;
  }

  send(frame: unknown) {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(text: string) {
    this.ws.send(text);
  }

  /** Send a frame carrying `ref` and wait for the reply with the same ref (`joined`, `pong`, or `error`). */
  request(frame: { ref: string } & Record<string, unknown>, timeoutMs = 30_000): Promise<Frame> {
    const p = new Promise<Frame>((resolve, reject) => this.waiters.set(frame.ref, { resolve, reject }));
    this.send(frame);
    return withTimeout(p, timeoutMs, `reply to ${frame.ref}`);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000, "bench done");
    // A bounded wait; a socket that doesn't finish the close handshake is terminated.
    const t = setTimeout(() => this.ws.terminate(), 3_000);
    await this.closed;
    clearTimeout(t);
  }
}

export function withTimeout<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
    }),
  ]);
}

import type { WebSocket } from "ws";

export type Frame = Record<string, unknown> & { type: string };

/**
 * Record every frame a test socket receives. `next(pred)` consumes frames in
 * arrival order: the first not-yet-consumed frame matching `pred`, whether it
 * has already arrived or is still to come.
 */
export function recordFrames(ws: WebSocket) {
  const frames: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  let cursor = 0;
  ws.on("message", (data) => {
    const f = JSON.parse(data.toString()) as Frame;
    frames.push(f);
    for (const w of [...waiters]) {
      if (w.pred(f)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(f);
      }
    }
  });
  ws.on("error", () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error("refused"), { status: res.statusCode })));
    ws.once("error", reject);
  });
  opened.catch(() => {});

  function next(pred: string | ((f: Frame) => boolean)): Promise<Frame> {
    const p = typeof pred === "string" ? (f: Frame) => f.type === pred : pred;
    const idx = frames.findIndex((f, i) => i >= cursor && p(f));
    if (idx >= 0) {
      cursor = idx + 1;
      return Promise.resolve(frames[idx]);
    }
    return new Promise((resolve) =>
      waiters.push({
        pred: (f) => frames.indexOf(f) >= cursor && p(f),
        resolve: (f) => {
          cursor = frames.indexOf(f) + 1;
          resolve(f);
        },
      }),
    );
  }
  return { frames, closed, opened, next };
}

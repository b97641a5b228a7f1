import http from "node:http";
import type { AddressInfo } from "node:net";

export type Recorded = { method: string; path: string; query: URLSearchParams; raw: string; json: unknown };
/** What the fake answers: a status and a JSON body, or "hang" (never answers: a timeout). */
export type Reply = { status: number; body?: unknown } | "hang";

/**
 * A fake Graph API and Measurement Protocol on 127.0.0.1: records every
 * request and answers from a script per platform (then 200 / 204 by
 * default, as the real ones do).
 */
export async function startFakePlatforms() {
  const requests: Recorded[] = [];
  const script: { meta: Reply[]; ga4: Reply[] } = { meta: [], ga4: [] };
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const raw = Buffer.concat(chunks).toString("utf8");
      let json: unknown = null;
      try {
        json = JSON.parse(raw);
      } catch {
        /* not JSON */
      }
      requests.push({ method: req.method ?? "", path: url.pathname, query: url.searchParams, raw, json });
      const isGa4 = url.pathname.endsWith("/collect");
      const reply = (isGa4 ? script.ga4 : script.meta).shift() ?? (isGa4 ? { status: 204 } : { status: 200, body: { events_received: 1, fbtrace_id: "fake" } });
      if (reply === "hang") {
        hanging.add(res);
        return;
      }
      if (reply.body === undefined) {
        res.writeHead(reply.status).end();
      } else {
        res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    script,
    reset() {
      requests.length = 0;
      script.meta.length = 0;
      script.ga4.length = 0;
    },
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

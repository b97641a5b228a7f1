/**
 * `npm run bench:security` (also run by `npm run bench`; BENCH_SECURITY=0 skips):
 * what the protections cost and whether they hold under a flood (issue 9).
 *
 * 1. Per request, in process: the client-IP resolution, the block-list check
 *    (against 1,000 blocked addresses and 100 ranges) and one rate-limiter
 *    consume (memory, and Redis when it answers), in ns/op, against a bare
 *    function call; then over real HTTP (keep-alive, 16 in flight): a bare
 *    handler vs the same handler behind the pipeline server.ts runs first.
 * 2. A flood from one address against the real hub (dispatcher, effects,
 *    rate limits at their real values — RATE_LIMIT_FACTOR=1 — and strikes on a
 *    PGlite database), while a second client on another address pings: its
 *    ping round trip p50/p95 idle, during 1,000 frames/s on one socket, and
 *    during 300 sockets from one address. Goal: p95 within 2× idle.
 */
process.env.LOG_LEVEL ??= "warn";
// This benchmark measures the real limits, not bench/lib/env.ts's lifted ones.
process.env.RATE_LIMIT_FACTOR = "1";

const { default: http } = await import("node:http");
const { execFileSync } = await import("node:child_process");
const { default: os } = await import("node:os");
const { WebSocket } = await import("ws");
const { createTestDb } = await import("../db/testing");
const { blockedIps, messages } = await import("../db/schema");
const { count, eq } = await import("drizzle-orm");
const { setSingleton } = await import("../lib/singleton");
const { createConversation, createProject } = await import("../tests/factories");
const { resolveClientIp, strikeSubject } = await import("../lib/security/client-ip");
const { isIpBlocked, refreshIpBlocks } = await import("../lib/security/ip-blocks");
const { consumeLimit } = await import("../lib/security/rate-limits");
const { applyEffects } = await import("../lib/effects");
const { reauthorizeConn } = await import("../lib/realtime/access");
const { connectionLifecycle, createDispatcher } = await import("../lib/realtime/dispatch");
const { Hub, setHub } = await import("../lib/realtime/hub");
const { percentile, summarize, sleep } = await import("./lib/stats");
type Summary = { n: number; p50: number; p95: number; max: number };
const pings = (samples: number[]): Summary => {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1] ?? NaN };
};

type Ws = InstanceType<typeof WebSocket>;
const env = process.env;
const quick = env.BENCH_QUICK === "1";
const fmt = (n: number, d = 1) => n.toLocaleString("en-GB", { maximumFractionDigits: d, minimumFractionDigits: d });
const out: string[] = [];
const log = (s: string) => console.log(s);

/** ns per call of `fn` over `n` calls, best of 3 runs (after a warm-up run). */
function nsPerOp(n: number, fn: (i: number) => unknown): number {
  let best = Infinity;
  let sink = 0;
  for (let run = 0; run < 4; run++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (fn(i)) sink++;
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (run > 0) best = Math.min(best, ns);
  }
  if (sink === -1) console.log(sink);
  return best;
}

async function nsPerAsyncOp(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let run = 0; run < 4; run++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn(i);
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (run > 0) best = Math.min(best, ns);
  }
  return best;
}

const handle = await createTestDb();
const dbKind = process.env.TEST_DATABASE_URL ? "PostgreSQL" : "PGlite";
setSingleton("db", Promise.resolve(handle));
const db = handle.db;

// --- 1. Per-request cost -------------------------------------------------------------------------------------
{
  // 1,000 blocked addresses and 100 ranges (IPv4 /24s and IPv6 /64s), none of them the clients below.
  const rows = [
    ...Array.from({ length: 1000 }, (_, i) => ({ address: `10.${(i >> 8) & 255}.${i & 255}.7`, reason: "bench", source: "manual" as const })),
    ...Array.from({ length: 50 }, (_, i) => ({ address: `172.16.${i}.0/24`, reason: "bench", source: "manual" as const })),
    ...Array.from({ length: 50 }, (_, i) => ({ address: `2001:db8:${i.toString(16)}::/64`, reason: "bench", source: "manual" as const })),
  ];
  await db.insert(blockedIps).values(rows);
  const loaded = await refreshIpBlocks(db);
  const ips = Array.from({ length: 4096 }, (_, i) => (i % 4 === 3 ? `2001:db8:ffff:${(i % 4096).toString(16)}::1` : `198.51.${(i >> 8) & 255}.${i & 255}`));
  if (ips.some((ip) => isIpBlocked(ip))) throw new Error("bench: a client address is blocked");
  if (!isIpBlocked("10.0.5.7") || !isIpBlocked("172.16.3.9") || !isIpBlocked("2001:db8:3::9")) throw new Error("bench: the block list doesn't block");
  const reqs = ips.map((ip) => ({ headers: { "x-forwarded-for": `${ip}, 192.0.2.1` }, socket: { remoteAddress: "127.0.0.1" } }));
  const trust = { hops: 1, addresses: [] as string[] };
  const N = quick ? 200_000 : 1_000_000;
  const bare = nsPerOp(N, (i) => ips[i & 4095].length === 0);
  const resolve = nsPerOp(N, (i) => resolveClientIp(reqs[i & 4095] as never, trust).length === 0);
  const blocked = nsPerOp(N, (i) => isIpBlocked(ips[i & 4095]));
  const subject = nsPerOp(N, (i) => strikeSubject(ips[i & 4095]).length === 0);
  const M = quick ? 50_000 : 200_000;
  // 4,096 keys, each well under visitorApi's 120/min in a run: every consume is allowed, as for a normal client.
  const bareAsync = await nsPerAsyncOp(M, async (i) => ips[i & 4095]);
  let memoryDenied = 0;
  const limiter = await nsPerAsyncOp(M, async (i) => {
    const r = await consumeLimit("wsReceipt", `bench-${i & 4095}-${i >> 16}`);
    if (!r.ok) memoryDenied++;
  });
  const redis = await redisLimiterNs();
  out.push(
    `### Per-request cost (in process, ${loaded} blocks loaded: 1,000 addresses, 50 IPv4 /24s, 50 IPv6 /64s)`,
    ``,
    `| step | ns/op | vs bare call |`,
    `|---|---:|---:|`,
    `| bare function call (baseline) | ${fmt(bare)} | 1.0× |`,
    `| resolve client IP (X-Forwarded-For, TRUST_PROXY=1) | ${fmt(resolve)} | ${fmt(resolve / bare)}× |`,
    `| block-list check (isIpBlocked) | ${fmt(blocked)} | ${fmt(blocked / bare)}× |`,
    `| strike subject (IPv6 → /64) | ${fmt(subject)} | ${fmt(subject / bare)}× |`,
    `| bare awaited call (async baseline) | ${fmt(bareAsync)} | 1.0× |`,
    `| rate-limit consume, memory store | ${fmt(limiter)} | ${fmt(limiter / bareAsync)}× |`,
    redis ? `| rate-limit consume, Redis store (round trip to 127.0.0.1) | ${fmt(redis)} | ${fmt(redis / bareAsync)}× |` : `| rate-limit consume, Redis store | not run (no Redis at ${env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379"}) | — |`,
    ``,
  );
  if (memoryDenied) out.push(`(${memoryDenied} consumes were over the limit; the keys were meant to stay under it)`, ``);

  // Over real HTTP: the same handler with and without the pipeline server.ts runs before Next.
  const total = quick ? 5_000 : 20_000;
  const bareHttp = await httpRun(total, async () => undefined);
  const pipeHttp = await httpRun(total, async (req) => {
    const ip = resolveClientIp(req, trust);
    if (isIpBlocked(ip)) return 403;
    const r = await consumeLimit("wsReceipt", strikeSubject(ip));
    return r.ok ? undefined : 429;
  });
  out.push(
    `### Per request over HTTP (keep-alive, 16 in flight, ${total.toLocaleString("en-GB")} requests, client in the same process)`,
    ``,
    `| server | µs/request (wall, mean) | requests/s | p50 / p99 latency |`,
    `|---|---:|---:|---:|`,
    `| bare handler (204) | ${fmt(bareHttp.usPerReq)} | ${fmt(bareHttp.rps, 0)} | ${fmt(bareHttp.lat.p50, 3)} / ${fmt(bareHttp.lat.p99, 3)} ms |`,
    `| IP resolve + block check + limiter, then 204 | ${fmt(pipeHttp.usPerReq)} | ${fmt(pipeHttp.rps, 0)} | ${fmt(pipeHttp.lat.p50, 3)} / ${fmt(pipeHttp.lat.p99, 3)} ms |`,
    `| difference | ${fmt(pipeHttp.usPerReq - bareHttp.usPerReq)} µs = ${fmt(((pipeHttp.usPerReq - bareHttp.usPerReq) * 1000), 0)} ns/request (${fmt(pipeHttp.usPerReq / bareHttp.usPerReq, 2)}×) | | |`,
    ``,
  );
  await db.delete(blockedIps);
  await refreshIpBlocks(db);
}

/** The limiter's cost with its Redis store, in a child process (the limiters are built once per process from REDIS_URL). */
async function redisLimiterNs(): Promise<number | null> {
  if (env.BENCH_SECURITY_CHILD === "redis") return null;
  const url = env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
  try {
    const res = execFileSync(process.execPath, ["--import", "tsx", "bench/security-redis.ts"], {
      env: { ...process.env, REDIS_URL: url, BENCH_SECURITY_CHILD: "redis" },
      encoding: "utf8",
      timeout: 120_000,
    });
    const m = /ns\/op=([\d.]+)/.exec(res);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function httpRun(total: number, pipeline: (req: import("node:http").IncomingMessage) => Promise<number | undefined>) {
  const server = http.createServer((req, res) => {
    void pipeline(req).then((status) => {
      res.writeHead(status ?? 204, { "Content-Length": "0" });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as import("node:net").AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const one = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        { host: "127.0.0.1", port, path: "/", agent, headers: { "x-forwarded-for": `198.51.${(i >> 8) & 15}.${i & 255}` } },
        (res) => {
          res.resume();
          res.on("end", () => resolve(performance.now() - t0));
        },
      );
      req.on("error", reject);
      req.end();
    });
  const run = async (n: number) => {
    const lat: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < n) lat.push(await one(next++));
      }),
    );
    return { ms: performance.now() - t0, lat };
  };
  await run(Math.min(2000, total));
  const r = await run(total);
  agent.destroy();
  await new Promise<void>((res) => server.close(() => res()));
  return { usPerReq: (r.ms * 1000) / total, rps: total / (r.ms / 1000), lat: summarize(r.lat) };
}

// --- 2. Flood from one address -------------------------------------------------------------------------------
{
  const project = await createProject(db);
  const attacker = await createConversation(db, { projectId: project.id });
  const victim = await createConversation(db, { projectId: project.id });
  const ATTACKER_IP = "203.0.113.66";
  const SWARM_IP = "203.0.113.77";
  const VICTIM_IP = "198.51.100.2";

  // As server.ts wires it, with the client address from `?ip=` instead of X-Forwarded-For.
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const deps = { hub: () => hub, apply: applyEffects };
  const ipOf = (req: import("node:http").IncomingMessage) => new URL(req.url ?? "/", "http://x").searchParams.get("ip") ?? "127.0.0.1";
  const hub = new Hub({
    authenticate: async (_req, url) => {
      const who = url.searchParams.get("visitor");
      const v = who === "attacker" ? attacker.visitor : victim.visitor;
      return { kind: "visitor", visitorId: v.id, projectId: project.id };
    },
    dispatch: createDispatcher(deps),
    reauthorize: reauthorizeConn,
    lifecycle: connectionLifecycle(deps),
    clientIp: ipOf,
  });
  setHub(hub);
  let upgradesRefused429 = 0;
  server.on("upgrade", (req, socket, head) => {
    const ip = ipOf(req);
    if (isIpBlocked(ip)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return void socket.destroy();
    }
    void consumeLimit("wsConnect", strikeSubject(ip)).then((r) => {
      if (r.ok) return hub.handleUpgrade(req, socket, head);
      upgradesRefused429++;
      socket.end(`HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", 1024, r));
  const base = `ws://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}/ws`;

  const open = (query: string) =>
    new Promise<Ws | null>((resolve) => {
      const ws = new WebSocket(`${base}?${query}`, { perMessageDeflate: false });
      ws.on("error", () => resolve(null));
      ws.once("unexpected-response", () => resolve(null));
      ws.once("message", () => resolve(ws)); // the server's hello
    });

  const victimWs = await open(`visitor=victim&ip=${VICTIM_IP}`);
  if (!victimWs) throw new Error("bench: victim socket refused");
  const pending = new Map<string, number>();
  const rtts: number[] = [];
  victimWs.on("message", (data) => {
    const f = JSON.parse(String(data)) as { type: string; ref?: string };
    if (f.type === "pong" && f.ref && pending.has(f.ref)) {
      rtts.push(performance.now() - pending.get(f.ref)!);
      pending.delete(f.ref);
    }
  });
  let seq = 0;
  /** The victim pings every 20 ms for `ms`; returns the round trips. */
  const measure = async (ms: number): Promise<Summary & { lost: number }> => {
    rtts.length = 0;
    pending.clear();
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const ref = `p${seq++}`;
      pending.set(ref, performance.now());
      victimWs.send(JSON.stringify({ type: "ping", ref }));
      await sleep(20);
    }
    await sleep(500);
    return { ...pings(rtts), lost: pending.size };
  };
  const phaseMs = quick ? 4_000 : 8_000;
  const idle = await measure(phaseMs);

  // 2a. 1,000 frames/s on one socket (messages, typing and receipts, 10 every 10 ms), sent from a
  // worker thread: the attacker's own JSON and socket work runs on its own event loop, as on its own machine.
  const { Worker } = await import("node:worker_threads");
  const { createRequire } = await import("node:module");
  const attackerCode = `
    const { parentPort, workerData: w } = require("node:worker_threads");
    const WebSocket = require(w.wsPath);
    const counts = { sent: 0, limited: 0, acks: 0, otherErrors: 0, closed: "" };
    const ws = new WebSocket(w.url, { perMessageDeflate: false });
    let on = true;
    parentPort.on("message", () => { on = false; });
    ws.on("error", () => {});
    ws.on("close", (code, reason) => { counts.closed = code + " " + String(reason); });
    ws.on("message", (data) => {
      const f = JSON.parse(String(data));
      if (f.type === "hello") {
        ws.send(JSON.stringify({ type: "join", ref: "j", conversationId: w.cid }));
        setTimeout(() => parentPort.postMessage({ ready: true }), 200);
        setTimeout(tick, 200);
      } else if (f.type === "error" && f.code === "rate_limited") counts.limited++;
      else if (f.type === "error") counts.otherErrors++;
      else if (f.type === "ack") counts.acks++;
    });
    let i = 0;
    function tick() {
      if (!on || ws.readyState !== WebSocket.OPEN) { parentPort.postMessage({ done: counts }); ws.terminate(); return; }
      for (let k = 0; k < 10; k++, i++) {
        const f = i % 3 === 0 ? { type: "send", ref: "s" + i, conversationId: w.cid, clientMsgId: ("flood-" + i).padEnd(8, "0"), body: "flood" }
          : i % 3 === 1 ? { type: "typing", conversationId: w.cid, on: i % 2 === 0 }
          : { type: "read", conversationId: w.cid, upToId: 1 };
        ws.send(JSON.stringify(f));
        counts.sent++;
      }
      setTimeout(tick, 10);
    }
  `;
  const worker = new Worker(attackerCode, {
    eval: true,
    workerData: { url: `${base}?visitor=attacker&ip=${ATTACKER_IP}`, cid: attacker.conversation.id, wsPath: createRequire(import.meta.url).resolve("ws") },
  });
  const fromWorker = (key: "ready" | "done") =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMsg = (m: Record<string, unknown>) => key in m && (worker.off("message", onMsg), resolve(m));
      worker.on("message", onMsg);
      worker.once("error", reject);
    });
  await fromWorker("ready");
  const t0 = performance.now();
  const during = await measure(phaseMs);
  const done = fromWorker("done");
  worker.postMessage("stop");
  const counts = (await done).done as { sent: number; limited: number; acks: number; otherErrors: number; closed: string };
  const floodSeconds = (performance.now() - t0) / 1000;
  await worker.terminate();
  const [{ n: storedRows }] = await db.select({ n: count() }).from(messages).where(eq(messages.conversationId, attacker.conversation.id));
  const attackerState = counts.closed ? `closed (${counts.closed})` : "still open";

  // 2b. 300 sockets from one address, opened at once and held.
  const swarm = await Promise.all(Array.from({ length: 300 }, () => open(`visitor=attacker&ip=${SWARM_IP}`)));
  const accepted = swarm.filter(Boolean) as Ws[];
  const held = await measure(phaseMs);
  for (const ws of accepted) ws.terminate();

  const ratio = (s: Summary) => `${fmt(s.p50 / idle.p50, 2)}× / ${fmt(s.p95 / idle.p95, 2)}×`;
  out.push(
    `### Flood from one address (real hub, dispatcher, effects and limits on ${dbKind}; a second client on another address pings every 20 ms)`,
    ``,
    `| phase | victim ping p50 / p95 / max | vs idle (p50 / p95) | lost pings |`,
    `|---|---:|---:|---:|`,
    `| idle | ${fmt(idle.p50, 3)} / ${fmt(idle.p95, 3)} / ${fmt(idle.max, 2)} ms | 1.00× / 1.00× | ${idle.lost} |`,
    `| 1,000 frames/s on one socket (⅓ each send, typing, receipt) | ${fmt(during.p50, 3)} / ${fmt(during.p95, 3)} / ${fmt(during.max, 2)} ms | ${ratio(during)} | ${during.lost} |`,
    `| 300 sockets opened at once from one address, held | ${fmt(held.p50, 3)} / ${fmt(held.p95, 3)} / ${fmt(held.max, 2)} ms | ${ratio(held)} | ${held.lost} |`,
    ``,
    `Flood socket: ${counts.sent.toLocaleString("en-GB")} frames in ${fmt(floodSeconds)} s; ${storedRows} messages stored ` +
      `(wsSend allows 30 per 10 s), ${counts.limited.toLocaleString("en-GB")} rate-limited error frames, ${counts.otherErrors} other errors, ` +
      `socket ${attackerState}. ` +
      `Swarm: ${accepted.length} of 300 sockets accepted (per-address cap 100 and wsConnect 60/min), ${upgradesRefused429} refused with 429 by the connect limit, ${300 - accepted.length - upgradesRefused429} refused by the hub's cap.`,
    ``,
  );
  const worst = Math.max(during.p95 / idle.p95, held.p95 / idle.p95);
  out.push(`Goal (victim p95 within 2× idle): **${worst <= 2 ? "met" : "not met"}** (worst ${fmt(worst, 2)}×).`, ``);
  victimWs.terminate();
  server.close();
  await hub.close();
  server.closeAllConnections();
  setHub(undefined);
}

const load = os.loadavg()[0];
let head = "";
try {
  head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
} catch {
  head = "?";
}
const md = [`## Protections on ${dbKind}: cost per request and a flood from one address (issue 9)`, ``, `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, HEAD ${head}, load average ${fmt(load, 2)} on ${os.cpus().length} cores.`, ``, ...out].join("\n");
log(md);
if (env.BENCH_OUT) (await import("node:fs")).appendFileSync(env.BENCH_OUT, md + "\n");
await handle.close();
process.exit(0);

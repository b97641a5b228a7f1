/**
 * One process: Next.js (consoles, visitor pages, API), the ws hub on /ws and
 * the background sweepers, on one HTTP server. See docs/decisions/001.
 */
import http from "node:http";
import { EnvError, getEnv } from "./lib/env";

let env: import("./lib/env").Env;
try {
  env = getEnv();
} catch (err) {
  if (err instanceof EnvError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
const dev = process.argv.includes("--dev");
// The production guards above were decided on the operator's NODE_ENV; from
// here on NODE_ENV only tells Next/React which build to run.
(process.env as Record<string, string>).NODE_ENV = dev ? "development" : "production";

const [{ default: next }, { logger }, dbm, { seed }, ipBlocks, headers, clientIpMod, hubMod, auth, dispatchMod, sched, strikes] =
  await Promise.all([
    import("next"),
    import("./lib/logger"),
    import("./db/client"),
    import("./db/seed"),
    import("./lib/security/ip-blocks"),
    import("./lib/security/headers"),
    import("./lib/security/client-ip"),
    import("./lib/realtime/hub"),
    import("./lib/realtime/authenticate"),
    import("./lib/realtime/dispatch"),
    import("./lib/jobs/scheduler"),
    import("./lib/security/strikes"),
  ]);
const [{ applyEffects }, { routingJobs }, access, { heartbeatPresence }, origins, frontDoor, session, staffSessions, { leadImportJobs }, { conversionJobs }] = await Promise.all([
  import("./lib/effects"),
  import("./lib/jobs/routing-jobs"),
  import("./lib/realtime/access"),
  import("./lib/routing"),
  import("./lib/projects/origins"),
  import("./lib/security/front-door"),
  import("./lib/auth/session"),
  import("./lib/auth/staff-sessions"),
  import("./lib/crm/csv-import-job"),
  import("./lib/conversions/deliver"),
]);

const started = Date.now();
const dbHandle = await dbm.getDbHandle();
const db = dbHandle.db;
const seeded = await seed(db, env);
await ipBlocks.refreshIpBlocks(db);
// With REDIS_URL, rate limits are shared by every instance from the first request on.
const rateLimits = await import("./lib/security/rate-limits");
if (!(await rateLimits.rateLimitStoreReady())) logger.warn("rate-limit store not reachable yet; limiting in memory");

const app = next({ dev, dir: process.cwd(), hostname: env.host, port: env.port, customServer: true });
await app.prepare();
const handle = app.getRequestHandler();

const clientIp = (req: http.IncomingMessage) => clientIpMod.resolveClientIp(req, env.trustProxy);
const headerOptions: import("./lib/security/headers").HeaderOptions = {
  dev,
  appOrigin: env.appOrigin,
  visitorSources: (slug) => origins.visitorPageSources(db, slug),
  // Marketing tags' CSP hosts: cached in process, dropped on save (other instances: within 5 s).
  tagHosts: async () => (await import("./lib/marketing/tags")).tagPolicy(db),
};

const frontDoorOptions: import("./lib/security/front-door").FrontDoorOptions = {
  db,
  trustProxy: env.trustProxy,
  verifyStaffCookie: async (value) => (await session.unsealSession(value)) !== null,
};

const server = http.createServer((req, res) => {
  // 1–2. Client IP through trusted hops, the block check (a bare 403, nothing more), the scanner rule.
  if (frontDoor.frontDoor(req, frontDoorOptions) === null) {
    res.sendDate = false;
    res.writeHead(403, { "Content-Length": "0", Connection: "close" });
    res.end();
    return;
  }
  // 3. Security headers by path; a route's own (the attachments' sandbox CSP) win over these.
  void headers
    .securityHeadersFor(req.url, req.headers.host, headerOptions)
    .then(({ response, nextCsp }) => {
      headers.setDefaultHeaders(res, response);
      // Next reads the nonce from the request's CSP and stamps it on its scripts.
      if (nextCsp) req.headers["content-security-policy"] = nextCsp;
      else delete req.headers["content-security-policy"];
      // 4. Next.
      return handle(req, res);
    })
    .catch((err) => {
      logger.error({ err }, "request failed");
      if (!res.headersSent) res.writeHead(500).end();
    });
});

// Slow-loris: a client that dribbles its request headers (an upgrade included) is cut off.
server.headersTimeout = 10_000;
server.requestTimeout = 60_000;

// Several instances fan out through Redis; one instance stays in-process.
const backplane = env.redisUrl ? await (await import("./lib/realtime/backplane")).redisBackplane(env.redisUrl) : undefined;
const deps = { hub: () => hub, apply: applyEffects };
const hub: import("./lib/realtime/hub").Hub = new hubMod.Hub({
  backplane,
  authenticate: auth.authenticateUpgrade,
  dispatch: dispatchMod.createDispatcher(deps),
  reauthorize: access.reauthorizeConn,
  lifecycle: dispatchMod.connectionLifecycle(deps),
  clientIp,
});
hubMod.setHub(hub);
// An address blocked while connected loses its sockets too, not just its next request.
ipBlocks.onIpBlocksRefreshed(() => hub.closeBlocked((ip) => ipBlocks.isIpBlocked(ip)));

server.on("upgrade", (req, socket, head) => {
  const ip = frontDoor.frontDoor(req, frontDoorOptions);
  if (ip === null) {
    socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    socket.destroy();
    return;
  }
  const pathname = (req.url ?? "/").split("?")[0];
  // Claim only /ws; every other upgrade (dev HMR) belongs to Next's own listener.
  if (pathname !== "/ws") return;
  void rateLimits.consumeLimit("wsConnect", clientIpMod.strikeSubject(ip)).then((r) => {
    if (r.ok) return hub.handleUpgrade(req, socket, head);
    socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${Math.ceil(r.retryAfterMs / 1000)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  });
});

// Block-list refresh and presence heartbeats are per instance; the sweepers run on the leader only.
const instanceJobs = sched.startScheduler([
  { name: "ip-blocks-refresh", everyMs: 5_000, run: () => ipBlocks.refreshIpBlocks(db) },
  { name: "presence-heartbeat", everyMs: 10_000, run: (now) => heartbeatPresence(db, hub.instanceId, now, hub.staffConnectionCounts()) },
]);
const { sheetSourceJobs } = await import("./lib/crm/sheets/poller");
const scheduler = sched.startScheduler([
  { name: "strikes-sweep", everyMs: 10 * 60_000, run: (now) => strikes.sweepStrikes({ db, now }) },
  { name: "staff-sessions-sweep", everyMs: 60 * 60_000, run: (now) => staffSessions.sweepStaffSessions({ db, now }) },
  ...routingJobs(db),
  // CSV lead imports, one at a time, off the request that queued them.
  ...leadImportJobs(db),
  // Google Sheets lead sources: due sheets read every 5 s tick, within Sheets' read quota.
  ...sheetSourceJobs(db),
  // Server-side conversions (Meta CAPI, GA4 MP): the outbox, delivered with retries off every request.
  ...conversionJobs(db),
], { shouldRun: dbHandle.isLeader });

server.listen(env.port, env.host, () => {
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : env.port;
  const url = env.appUrl ?? `http://localhost:${port}`;
  logger.info(
    { port, db: dbHandle.kind, dbInstance: dbHandle.instanceId, dev, ms: Date.now() - started },
    "OnlineChatCRM listening",
  );
  const lines = [``, `  OnlineChatCRM is running at ${url}`, `  Database: ${dbHandle.kind}${dbHandle.kind === "pglite" ? ` (${env.dataDir})` : ""}`];
  if (seeded.createdAdmin) {
    lines.push(`  Sign in at ${url}/login as ${seeded.adminEmail}`);
    if (seeded.adminPassword) lines.push(`  Generated admin password (shown once): ${seeded.adminPassword}`);
  } else {
    lines.push(`  Staff sign-in: ${url}/login`);
  }
  lines.push(`  Visitor page: ${url}/p/default`, ``);
  console.log(lines.join("\n"));
  void assertSharedDb(port);
});

/**
 * Start-up assertion: Next's bundled copy of db/client must reach the same
 * database instance as this file's copy (two PGlite instances on one
 * directory corrupt it).
 */
async function assertSharedDb(port: number) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    const body = (await res.json()) as { dbInstance?: string };
    if (body.dbInstance !== dbHandle.instanceId) {
      logger.fatal({ server: dbHandle.instanceId, next: body.dbInstance }, "Next and server.ts opened different database instances");
      process.exit(1);
    }
  } catch (err) {
    logger.warn({ err }, "could not run the shared-database self-check");
  }
}

let shuttingDown = false;
async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal }, "shutting down");
  server.close();
  await hub.close();
  server.closeAllConnections?.();
  await Promise.all([scheduler.stop(), instanceJobs.stop()]);
  await dbm.closeDb();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

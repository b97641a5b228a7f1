import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createThrowawayDatabase } from "../../db/testing";
import { ADMIN, type Account } from "./accounts";

/**
 * The real server for browser tests, started exactly as `npm start` starts it
 * (`node scripts/start.mjs`) on a free port and a fresh database of its own.
 * Global setup starts the shared one (building `.next` first); specs that stop,
 * restart or need their own agents start private ones without building.
 */

export type OwnServer = {
  baseURL: string;
  logFile: string;
  db: "pglite" | "postgres";
  /** Where its data lives, for seeding while it is stopped (a PGlite directory can't be opened twice). */
  database: { url: string } | { dataDir: string };
  pid(): number;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null | string>;
  /** Start again on the same port, database and secret. */
  start(): Promise<void>;
  /** Stop if running, drop the database, remove the data directory. */
  dispose(): Promise<void>;
};

/** A staff user written into a private server's database before it starts; agent settings default to the schema's. */
export type StaffSeed = Account & { activeChatLimit?: number; offlineChatLimit?: number; onBreak?: boolean };

/**
 * Start `node scripts/start.mjs` the way tests/e2e/global-setup.ts does, on a
 * port and a fresh database of its own (a temp DATA_DIR for PGlite, or a
 * throwaway database on TEST_DATABASE_URL's server), without building:
 * global setup already built `.next`. `accounts` are inserted, in order (so
 * their ids follow it), before the server opens the database.
 */
export async function startServer(
  opts: {
    accounts?: StaffSeed[];
    build?: boolean;
    healthTimeoutMs?: number;
    name?: string;
    /** Environment over the defaults below (APP_URL included). */
    env?: Record<string, string>;
    /** More rows written before the server first opens its database (after `accounts`). */
    seed?: (db: import("../../db/client").Db) => Promise<void>;
  } = {},
): Promise<OwnServer> {
  const root = process.cwd();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `occ-e2e-${opts.name ?? "own"}-`));
  const logFile = path.join(tmp, "server.log");
  let databaseUrl = "";
  let drop: (() => Promise<void>) | undefined;
  if (process.env.TEST_DATABASE_URL) {
    ({ url: databaseUrl, drop } = await createThrowawayDatabase(process.env.TEST_DATABASE_URL, `occ_e2e_${opts.name ?? "own"}`));
  }
  if (opts.accounts?.length || opts.seed) {
    try {
      await seedAccounts(databaseUrl ? { url: databaseUrl } : { dataDir: path.join(tmp, "data", "pglite") }, opts.accounts ?? [], opts.seed);
    } catch (err) {
      await drop?.().catch(() => undefined);
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: path.join(tmp, "data"),
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: randomBytes(32).toString("base64url"),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    // One trusted hop: each test can present its own client address in
    // X-Forwarded-For, so blocking one address doesn't block the suite.
    TRUST_PROXY: "1",
    LOG_LEVEL: "info",
    // In-process hub; the Origin check compares against the Host header.
    REDIS_URL: "",
    // The specs play whole conversations in seconds (40 filler messages in a row): the per-client
    // limits are loosened 4×. The limits themselves are proven by lib/security and lib/realtime tests.
    RATE_LIMIT_FACTOR: "4",
    // Only global setup builds (under the build lock); private servers reuse `.next`.
    SKIP_BUILD: opts.build ? "0" : "1",
  };
  delete env.APP_URL;
  delete env.TEST_DATABASE_URL;
  Object.assign(env, opts.env);
  const baseURL = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);

  async function start() {
    const log = fs.openSync(logFile, "a");
    child = spawn(process.execPath, [path.join(root, "scripts", "start.mjs")], {
      cwd: root,
      env,
      stdio: ["ignore", log, log],
      detached: true,
    });
    fs.closeSync(log);
    const c = child;
    exited = new Promise((resolve) => c.once("exit", (code) => resolve(code)));
    // A cold build on 2 cores takes minutes; a warm start about a second.
    await waitForHealth(baseURL, exited, logFile, opts.healthTimeoutMs ?? 5 * 60_000);
  }

  async function stop(): Promise<number | null | string> {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return c?.exitCode ?? null;
    c.kill("SIGTERM");
    const timeout = new Promise<string>((r) => setTimeout(() => r("timeout"), 30_000).unref());
    const result = await Promise.race([exited, timeout]);
    if (result === "timeout") {
      killGroup(c);
      return "no exit within 30 s of SIGTERM";
    }
    return result === null ? `signal ${c.signalCode}` : result;
  }

  async function dispose() {
    await stop().catch(() => undefined);
    if (child) killGroup(child);
    await drop?.().catch((err) => console.error("could not drop the test database:", err));
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  try {
    await start();
  } catch (err) {
    await dispose();
    throw err;
  }
  const database = databaseUrl ? { url: databaseUrl } : { dataDir: path.join(tmp, "data", "pglite") };
  return { baseURL, logFile, db: databaseUrl ? "postgres" : "pglite", database, pid: () => child?.pid ?? 0, stop, start, dispose };
}

/** Write staff users straight into the database (as global setup does); a PGlite directory must be closed before the server opens it. */
async function seedAccounts(target: { url: string } | { dataDir: string }, accounts: StaffSeed[], seed?: (db: import("../../db/client").Db) => Promise<void>) {
  const { openDatabase } = await import("../../db/client");
  const { users } = await import("../../db/schema");
  const { hashPassword } = await import("../../lib/auth/password");
  const handle = await openDatabase(target);
  try {
    for (const a of accounts) {
      await handle.db.insert(users).values({
        email: a.email,
        username: a.username,
        passwordHash: await hashPassword(a.password),
        displayName: a.displayName,
        role: a.role,
        ...(a.role === "agent" ? { liveChatEnabled: true, crmEnabled: true } : {}),
        ...(a.activeChatLimit !== undefined ? { activeChatLimit: a.activeChatLimit } : {}),
        ...(a.offlineChatLimit !== undefined ? { offlineChatLimit: a.offlineChatLimit } : {}),
        ...(a.onBreak !== undefined ? { onBreak: a.onBreak } : {}),
      });
    }
    await seed?.(handle.db);
  } finally {
    await handle.close();
  }
}

function killGroup(c: ChildProcess) {
  if (c.exitCode !== null || c.signalCode !== null) return;
  try {
    process.kill(-c.pid!, "SIGKILL");
  } catch {
    /* already gone */
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForHealth(baseURL: string, exited: Promise<number | null>, logFile: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  for (;;) {
    if (gone !== undefined) throw new Error(`the server exited (code ${gone}) before it became healthy\n${tail(logFile)}`);
    try {
      const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok && ((await res.json()) as { ok?: boolean }).ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`the server did not become healthy within ${timeoutMs / 1000} s\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function tail(file: string, lines = 60): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no server log)";
  }
}

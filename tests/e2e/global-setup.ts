import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
import { createThrowawayDatabase } from "../../db/testing";
import { ADMIN, SEEDED, type ServerState } from "./accounts";

/**
 * Start the real server the way `npm start` does (`node scripts/start.mjs`,
 * which builds `.next` first when sources changed) on a free port, against a
 * fresh database: a temp DATA_DIR (PGlite) or, with TEST_DATABASE_URL, a
 * throwaway database on that server. Extra staff users are written into that
 * database before the server opens it (a PGlite directory can't be opened by
 * two processes). Returns the teardown: SIGTERM, which must exit 0.
 */
export default async function globalSetup(_config: FullConfig) {
  const root = process.cwd();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "occ-e2e-"));
  const dataDir = path.join(tmp, "data");
  const logFile = path.join(tmp, "server.log");
  const stateFile = path.join(tmp, "state.json");

  let databaseUrl: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  const base = process.env.TEST_DATABASE_URL;
  if (base) {
    ({ url: databaseUrl, drop: dropDatabase } = await createThrowawayDatabase(base, "occ_e2e"));
  }

  let server: ChildProcess | undefined;
  const cleanup = async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      try {
        process.kill(-server.pid!, "SIGKILL");
      } catch {}
    }
    await dropDatabase?.().catch((err) => console.error("e2e: could not drop the test database:", err));
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  try {
    await seedStaff(databaseUrl ? { url: databaseUrl } : { dataDir: path.join(dataDir, "pglite") });

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl ?? "",
      SESSION_SECRET: randomBytes(32).toString("base64url"),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      // One trusted hop: each test can present its own client address in
      // X-Forwarded-For, so blocking one address doesn't block the suite.
      TRUST_PROXY: "1",
      LOG_LEVEL: "info",
      // In-process hub; the Origin check compares against the Host header.
      REDIS_URL: "",
    };
    delete env.APP_URL;
    delete env.TEST_DATABASE_URL;

    console.log(`e2e: starting the server (node scripts/start.mjs) on port ${port} with ${databaseUrl ? "PostgreSQL" : "PGlite"}; log: ${logFile}`);
    const log = fs.openSync(logFile, "a");
    server = spawn(process.execPath, [path.join(root, "scripts", "start.mjs")], {
      cwd: root,
      env,
      stdio: ["ignore", log, log],
      // Own process group: a failed start can be killed with everything it spawned.
      detached: true,
    });
    fs.closeSync(log);
    const exited = new Promise<number | null>((resolve) => server!.once("exit", (code) => resolve(code)));

    const baseURL = `http://127.0.0.1:${port}`;
    // A cold build on 2 cores takes minutes; a warm start about a second.
    await waitForHealth(baseURL, exited, logFile, 15 * 60_000);

    const state: ServerState = { baseURL, logFile, db: databaseUrl ? "postgres" : "pglite", pid: server.pid! };
    fs.writeFileSync(stateFile, JSON.stringify(state));
    process.env.E2E_STATE_FILE = stateFile;
    process.env.E2E_BASE_URL = baseURL;

    return async () => {
      try {
        const code = await stopServer(server!, exited);
        if (code !== 0) {
          throw new Error(`e2e: the server exited with ${code} after SIGTERM (expected 0)\n${tail(logFile)}`);
        }
      } finally {
        await cleanup();
      }
    };
  } catch (err) {
    if (fs.existsSync(logFile)) console.error(`e2e: server log (tail):\n${tail(logFile)}`);
    await cleanup();
    throw err;
  }
}

/** Write the manager, agents and QA user straight into the database the server will open. */
async function seedStaff(target: { url: string } | { dataDir: string }) {
  const { openDatabase } = await import("../../db/client");
  const { users } = await import("../../db/schema");
  const { hashPassword } = await import("../../lib/auth/password");
  const handle = await openDatabase(target);
  try {
    for (const a of Object.values(SEEDED)) {
      await handle.db.insert(users).values({
        email: a.email,
        username: a.username,
        passwordHash: await hashPassword(a.password),
        displayName: a.displayName,
        role: a.role,
        // Agents get both switches on, so their console shows everything an agent may see.
        ...(a.role === "agent" ? { liveChatEnabled: true, crmEnabled: true } : {}),
      });
    }
  } finally {
    await handle.close();
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
    if (gone !== undefined) throw new Error(`e2e: the server exited (code ${gone}) before it became healthy\n${tail(logFile)}`);
    try {
      const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok && ((await res.json()) as { ok?: boolean }).ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`e2e: the server did not become healthy within ${timeoutMs / 1000} s\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function stopServer(server: ChildProcess, exited: Promise<number | null>): Promise<number | null | string> {
  if (server.exitCode !== null) return server.exitCode;
  server.kill("SIGTERM");
  const timeout = new Promise<string>((r) => setTimeout(() => r("timeout"), 30_000).unref());
  const result = await Promise.race([exited, timeout]);
  if (result === "timeout") {
    try {
      process.kill(-server.pid!, "SIGKILL");
    } catch {}
    return "no exit within 30 s of SIGTERM";
  }
  return result === null ? `signal ${server.signalCode}` : result;
}

function tail(file: string, lines = 60): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no server log)";
  }
}

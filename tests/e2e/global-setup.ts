import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
import { SEEDED, type ServerState } from "./accounts";
import { startServer, tail } from "./server";

/**
 * Start the shared server the way `npm start` does (building `.next` first
 * when sources changed) on a free port, against a fresh database, with the
 * manager, agents and QA user written into it before it opens. Returns the
 * teardown: SIGTERM, which must exit 0.
 */
export default async function globalSetup(_config: FullConfig) {
  const server = await startServer({ accounts: Object.values(SEEDED), build: true, healthTimeoutMs: 15 * 60_000, name: "shared" });
  console.log(`e2e: server (node scripts/start.mjs) at ${server.baseURL} on ${server.db}; log: ${server.logFile}`);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "occ-e2e-state-"));
  const stateFile = path.join(stateDir, "state.json");
  const state: ServerState = { baseURL: server.baseURL, logFile: server.logFile, db: server.db, pid: server.pid() };
  fs.writeFileSync(stateFile, JSON.stringify(state));
  process.env.E2E_STATE_FILE = stateFile;
  process.env.E2E_BASE_URL = server.baseURL;

  return async () => {
    try {
      const code = await server.stop();
      if (code !== 0) throw new Error(`e2e: the server exited with ${code} after SIGTERM (expected 0)\n${tail(server.logFile)}`);
    } finally {
      await server.dispose();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  };
}

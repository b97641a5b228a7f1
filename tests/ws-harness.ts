import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { WebSocket } from "ws";
import { staffPresence } from "../db/schema";
import type { DbHandle } from "../db/client";
import { createTestDb } from "../db/testing";
import { sealSession, SESSION_COOKIE } from "../lib/auth/session";
import { applyEffects } from "../lib/effects";
import { reauthorizeConn } from "../lib/realtime/access";
import { authenticateUpgrade } from "../lib/realtime/authenticate";
import { connectionLifecycle, createDispatcher } from "../lib/realtime/dispatch";
import { Hub, setHub } from "../lib/realtime/hub";
import { setSingleton } from "../lib/singleton";
import { recordFrames } from "./ws-client";

/**
 * The ws side of server.ts inside one test process: a real http server, the
 * real Hub, upgrade authentication, dispatcher, lifecycle hooks, effects layer
 * and re-authorisation, on a migrated test database installed as the
 * process's db singleton. Call `start()` in beforeAll and `stop()` in afterAll.
 */
export function wsHarness() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "occ-ws-"));
  // getEnv() is parsed lazily on first use: these must be in place before that.
  process.env.SESSION_SECRET = "ws-integration-test-secret-0123456789abcdef";
  process.env.DATA_DIR = tmp;
  delete process.env.APP_URL;

  const state = {} as { h: DbHandle; hub: Hub; server: http.Server; base: string; own: string };
  const sockets: WebSocket[] = [];

  async function start() {
    // Parse the environment above afresh (another file in this worker may have parsed its own).
    setSingleton("env", undefined);
    setSingleton("rate-limiters", undefined);
    state.h = await createTestDb();
    setSingleton("db", Promise.resolve(state.h));
    state.server = http.createServer((_req, res) => res.writeHead(404).end());
    const deps = { hub: () => state.hub, apply: applyEffects };
    state.hub = new Hub({
      authenticate: authenticateUpgrade,
      dispatch: createDispatcher(deps),
      reauthorize: reauthorizeConn,
      lifecycle: connectionLifecycle(deps),
      clientIp: () => "127.0.0.1",
    });
    setHub(state.hub);
    state.server.on("upgrade", (req, socket, head) => void state.hub.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => state.server.listen(0, "127.0.0.1", r));
    const port = (state.server.address() as AddressInfo).port;
    state.base = `ws://127.0.0.1:${port}/ws`;
    state.own = `http://127.0.0.1:${port}`;
  }

  async function stop() {
    for (const ws of sockets.splice(0)) ws.terminate();
    await state.hub?.close().catch(() => {});
    setHub(undefined);
    state.server?.closeAllConnections();
    await new Promise((r) => state.server?.close(r));
    await state.h?.close();
    setSingleton("db", undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  function open(query: string, headers: Record<string, string>) {
    const ws = new WebSocket(`${state.base}${query}`, { headers });
    sockets.push(ws);
    const rec = recordFrames(ws);
    const send = (frame: unknown) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    let pings = 0;
    /** A ping round trip: once the pong is back, every frame sent to this client before it is here too. */
    async function sync() {
      const ref = `sync-${++pings}`;
      send({ type: "ping", ref });
      await rec.next((f) => f.type === "pong" && f.ref === ref);
    }
    return { ws, ...rec, send, sync };
  }

  async function staffClient(user: { id: number; sessionVersion: number }) {
    const cookie = `${SESSION_COOKIE}=${encodeURIComponent(await sealSession({ userId: user.id, sessionVersion: user.sessionVersion }))}`;
    const c = open("", { Cookie: cookie, Origin: state.own });
    await c.opened;
    await c.next("hello");
    return c;
  }

  /** The lifecycle's presence write runs after `hello`: wait until the user counts as connected. */
  async function presenceWritten(userId: number) {
    for (let i = 0; i < 100; i++) {
      const rows = await state.h.db.select().from(staffPresence).where(eq(staffPresence.userId, userId));
      if (rows.some((r) => r.connections > 0)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`user ${userId} never showed as connected`);
  }

  async function visitorClient(v: { token: string }, slug: string) {
    const c = open(`?vt=${encodeURIComponent(v.token)}&project=${encodeURIComponent(slug)}`, { Origin: state.own });
    await c.opened;
    await c.next("hello");
    return c;
  }

  async function join(c: ReturnType<typeof open>, conversationId: number) {
    const ref = `join-${conversationId}-${Math.random().toString(36).slice(2)}`;
    c.send({ type: "join", ref, conversationId });
    return c.next((f) => f.ref === ref && (f.type === "joined" || f.type === "error"));
  }

  return { state, start, stop, open, staffClient, visitorClient, join, presenceWritten };
}

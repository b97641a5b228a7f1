import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { WebSocketServer, type WebSocket } from "ws";
import { getDb } from "../../db/client";
import { users } from "../../db/schema";
import { staffActor } from "../../lib/ctx";
import { applyEffects } from "../../lib/effects";
import { reauthorizeConn } from "../../lib/realtime/access";
import { connectionLifecycle, createDispatcher } from "../../lib/realtime/dispatch";
import { Hub, setHub, type Authenticate } from "../../lib/realtime/hub";
import { MAX_FRAME_BYTES } from "../../lib/realtime/protocol";

/**
 * `?bench=visitor:<visitorId>:<projectId>` or `?bench=staff:<userId>`. Staff
 * identities are built from the real user row (one query per upgrade, like the
 * cookie path in lib/realtime/authenticate.ts); visitors skip the token lookup.
 */
export const benchAuthenticate: Authenticate = async (_req, url) => {
  const b = url.searchParams.get("bench");
  if (!b) return null;
  const [kind, a, p] = b.split(":");
  if (kind === "visitor") return { kind: "visitor", visitorId: Number(a), projectId: Number(p) };
  if (kind === "staff") {
    const db = await getDb();
    const [u] = await db.select().from(users).where(eq(users.id, Number(a))).limit(1);
    if (!u || u.disabled) return null;
    return { kind: "staff", userId: u.id, role: u.role, actor: staffActor(u), sessionVersion: u.sessionVersion };
  }
  return null;
};

export type AppServer = { url: string; hub: Hub; close: () => Promise<void> };

/**
 * The production realtime stack without Next: a real http server on
 * 127.0.0.1:0, the real Hub, createDispatcher, effects and lifecycle hooks, wired
 * as server.ts does (and installed with setHub so publish.ts finds it).
 * Not started: the scheduler (sweepers, presence heartbeat) — nothing in a
 * run lasts long enough for them to matter, and they would add noise.
 */
export async function startAppServer(): Promise<AppServer> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  // As server.ts wires it: the lifecycle counts staff presence (an agent coming online drains
  // the queue) and starts a visitor's grace; every verb's effects go through applyEffects.
  const deps = { hub: () => hub, apply: applyEffects };
  const hub: Hub = new Hub({
    authenticate: benchAuthenticate,
    dispatch: createDispatcher(deps),
    reauthorize: reauthorizeConn,
    lifecycle: connectionLifecycle(deps),
    clientIp: () => "127.0.0.1",
  });
  setHub(hub);
  server.on("upgrade", (req, socket, head) => {
    const pathname = (req.url ?? "/").split("?")[0];
    if (pathname === "/ws") void hub.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", 1024, r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    hub,
    close: async () => {
      server.close();
      await hub.close();
      server.closeAllConnections();
      setHub(undefined);
    },
  };
}

export type EchoServer = { url: string; close: () => Promise<void> };

/** The baseline: a bare WebSocketServer (same options as the Hub) echoing every frame back. */
export async function startEchoServer(): Promise<EchoServer> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  const socks = new Set<WebSocket>();
  server.on("upgrade", (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      socks.add(ws);
      ws.on("error", () => {});
      ws.on("close", () => socks.delete(ws));
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", 1024, r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/`,
    close: async () => {
      server.close();
      for (const ws of socks) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
    },
  };
}

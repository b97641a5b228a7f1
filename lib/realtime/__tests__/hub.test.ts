import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import type { StaffActor } from "../../ctx";
import { logger } from "../../logger";
import { applyEffects } from "../../effects";
import { createDispatcher } from "../dispatch";
import { Hub, type Identity } from "../hub";
import { CLOSE, MAX_FRAME_BYTES } from "../protocol";
import { recordFrames } from "../../../tests/ws-client";

/** A fake authenticate: `?t=<token>` names an identity; anything else is refused. */
const staff = (userId: number, role: StaffActor["role"] = "agent"): Identity => ({
  kind: "staff",
  userId,
  role,
  actor: { type: "staff", userId, role, displayName: `u${userId}`, liveChatEnabled: true, crmEnabled: true },
  sessionVersion: 0,
});
const IDENTITIES: Record<string, Identity> = {
  agent7: staff(7),
  agent7b: staff(7),
  agent8: staff(8),
  admin1: staff(1, "admin"),
  visitor42: { kind: "visitor", visitorId: 42, projectId: 1 },
};

/** How long to wait for something that follows from a close on loopback (a bound, not a speed check). */
const POLL = { timeout: 15_000 };

type Server = { hub: Hub; http: http.Server; url: string };
const servers: Server[] = [];
const sockets: WebSocket[] = [];

async function startServer(opts: { heartbeatMs?: number } = {}): Promise<Server> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const hub: Hub = new Hub({
    authenticate: async (_req, url) => {
      const t = url.searchParams.get("t");
      if (t === "explode") throw new Error("auth backend down");
      return (t && IDENTITIES[t]) || null;
    },
    dispatch: createDispatcher({ hub: () => hub, apply: applyEffects }),
    clientIp: () => "127.0.0.1",
    heartbeatMs: opts.heartbeatMs,
  });
  server.on("upgrade", (req, socket, head) => void hub.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const s = { hub, http: server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws` };
  servers.push(s);
  return s;
}

/** A client that records every frame and its close. */
function connect(s: Server, token: string | null, opts: { autoPong?: boolean } = {}) {
  const ws = new WebSocket(token ? `${s.url}?t=${token}` : s.url, { autoPong: opts.autoPong ?? true });
  sockets.push(ws);
  return { ws, ...recordFrames(ws) };
}

async function roundTrip(c: ReturnType<typeof connect>, ref: string) {
  c.ws.send(JSON.stringify({ type: "ping", ref }));
  const pong = await c.next("pong");
  expect(pong).toEqual({ type: "pong", ref });
}

let main: Server;
beforeAll(async () => {
  main = await startServer();
});
afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
});
afterAll(async () => {
  for (const s of servers) {
    await s.hub.close().catch(() => {});
    s.http.closeAllConnections();
    await new Promise((r) => s.http.close(r));
  }
});

describe("upgrade", () => {
  it("refuses an unauthenticated upgrade with a bare 401 and creates no socket", async () => {
    const c = connect(main, null);
    await expect(c.opened).rejects.toMatchObject({ status: 401 });
    const d = connect(main, "nobody");
    await expect(d.opened).rejects.toMatchObject({ status: 401 });
    expect(main.hub.size).toBe(0);
  });

  it("refuses with 401 when authentication itself fails, and logs why", async () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      const c = connect(main, "explode");
      await expect(c.opened).rejects.toMatchObject({ status: 401 });
      expect(main.hub.size).toBe(0);
      expect(warn).toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it("greets an authenticated staff socket with hello", async () => {
    const c = connect(main, "agent7");
    await c.opened;
    expect(await c.next("hello")).toEqual({ type: "hello", role: "agent", userId: 7 });
    expect(main.hub.size).toBe(1);
    expect(main.hub.userConns(7)).toHaveLength(1);
  });

  it("greets a visitor socket with hello", async () => {
    const c = connect(main, "visitor42");
    expect(await c.next("hello")).toEqual({ type: "hello", role: "visitor", visitorId: 42 });
  });

  it("forgets a socket once it closes", async () => {
    const c = connect(main, "agent8");
    await c.next("hello");
    expect(main.hub.userConns(8)).toHaveLength(1);
    c.ws.close();
    await c.closed;
    await expect.poll(() => main.hub.userConns(8).length, POLL).toBe(0);
  });
});

describe("frames", () => {
  it("answers ping with pong, echoing the ref", async () => {
    const c = connect(main, "agent7");
    await c.next("hello");
    await roundTrip(c, "r1");
  });

  it("invalid JSON gets an error frame and the socket stays usable", async () => {
    const c = connect(main, "agent7");
    await c.next("hello");
    c.ws.send("{not json");
    const err = await c.next("error");
    expect(err).toMatchObject({ type: "error", code: "bad_request" });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    await roundTrip(c, "after-bad-json");
  });

  it("an unknown frame type gets an error frame carrying its ref, and the socket stays usable", async () => {
    const c = connect(main, "agent7");
    await c.next("hello");
    c.ws.send(JSON.stringify({ type: "launch_missiles", ref: "x1" }));
    const err = await c.next("error");
    expect(err).toMatchObject({ type: "error", ref: "x1" });
    expect(typeof err.code).toBe("string");
    expect(typeof err.message).toBe("string");
    c.ws.send(JSON.stringify({ ref: "no-type" }));
    expect(await c.next("error")).toMatchObject({ type: "error", ref: "no-type" });
    c.ws.send(JSON.stringify([1, 2, 3]));
    expect(await c.next("error")).toMatchObject({ type: "error" });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    await roundTrip(c, "after-unknown");
  });

  it("a binary frame gets an error frame", async () => {
    const c = connect(main, "agent7");
    await c.next("hello");
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await c.next("error")).toMatchObject({ type: "error", code: "bad_request" });
    await roundTrip(c, "after-binary");
  });

  it("a frame over MAX_FRAME_BYTES closes the socket (1009)", async () => {
    const c = connect(main, "agent7");
    await c.next("hello");
    const before = main.hub.size;
    c.ws.send(JSON.stringify({ type: "ping", ref: "big", pad: "x".repeat(MAX_FRAME_BYTES + 1) }));
    const { code } = await c.closed;
    expect(code).toBe(1009);
    expect(c.frames.filter((f) => f.type === "pong")).toHaveLength(0);
    await expect.poll(() => main.hub.size, POLL).toBe(before - 1);
  });

  it("a frame just under the limit is accepted", async () => {
    const c = connect(main, "agent7");
    await c.next("hello");
    const frame = JSON.stringify({ type: "ping", ref: "edge", pad: "" });
    c.ws.send(JSON.stringify({ type: "ping", ref: "edge", pad: "x".repeat(MAX_FRAME_BYTES - frame.length) }));
    expect(await c.next("pong")).toEqual({ type: "pong", ref: "edge" });
  });
});

describe("rooms and kicks", () => {
  it("publishes to a room's members only, optionally skipping the sender", async () => {
    const a = connect(main, "agent7");
    const b = connect(main, "admin1");
    const outsider = connect(main, "agent8");
    await Promise.all([a.next("hello"), b.next("hello"), outsider.next("hello")]);
    const [ca] = main.hub.userConns(7);
    const [cb] = main.hub.userConns(1);
    main.hub.join(ca, "conversation:1");
    main.hub.join(cb, "conversation:1");
    main.hub.publish("conversation:1", { type: "test", n: 1 }, ca.id);
    main.hub.publish("conversation:1", { type: "test", n: 2 });
    expect(await b.next("test")).toEqual({ type: "test", n: 1 });
    expect(await b.next("test")).toEqual({ type: "test", n: 2 });
    expect(await a.next("test")).toEqual({ type: "test", n: 2 });
    await roundTrip(outsider, "o");
    expect(outsider.frames.filter((f) => f.type === "test")).toHaveLength(0);
    main.hub.leave(cb, "conversation:1");
    main.hub.publish("conversation:1", { type: "test", n: 3 });
    expect(await a.next("test")).toEqual({ type: "test", n: 3 });
    await roundTrip(b, "b");
    expect(b.frames.filter((f) => f.type === "test")).toHaveLength(2);
    expect(main.hub.roomConns("conversation:1")).toEqual([ca]);
  });

  it("kickUser closes every socket of that user with 4001 and leaves others open", async () => {
    const a1 = connect(main, "agent7");
    const a2 = connect(main, "agent7b");
    const other = connect(main, "agent8");
    await Promise.all([a1.next("hello"), a2.next("hello"), other.next("hello")]);
    main.hub.kickUser(7);
    const [c1, c2] = await Promise.all([a1.closed, a2.closed]);
    expect(c1.code).toBe(CLOSE.signedOut);
    expect(c1.code).toBe(4001);
    expect(c2.code).toBe(4001);
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
    await roundTrip(other, "still-here");
    await expect.poll(() => main.hub.userConns(7).length, POLL).toBe(0);
  });
});

describe("heartbeat", () => {
  it("terminates a socket that stops answering pings, and keeps one that answers", async () => {
    // Long enough that a loaded machine can still answer every ping in time.
    const s = await startServer({ heartbeatMs: 200 });
    const silent = connect(s, "agent7", { autoPong: false });
    const lively = connect(s, "agent8");
    await Promise.all([silent.next("hello"), lively.next("hello")]);
    let pings = 0;
    lively.ws.on("ping", () => pings++);
    const { code } = await silent.closed;
    // Terminated without a close frame.
    expect(code).toBe(1006);
    await expect.poll(() => s.hub.userConns(7).length, POLL).toBe(0);
    // The answering socket outlives several more heartbeats.
    const seen = pings;
    await expect.poll(() => pings, POLL).toBeGreaterThanOrEqual(seen + 3);
    expect(lively.ws.readyState).toBe(WebSocket.OPEN);
    await roundTrip(lively, "alive");
    expect(s.hub.userConns(8)).toHaveLength(1);
  });
});

describe("close", () => {
  it("closes every socket with 1012 and refuses new upgrades", async () => {
    const s = await startServer();
    const a = connect(s, "agent7");
    const v = connect(s, "visitor42");
    await Promise.all([a.next("hello"), v.next("hello")]);
    await s.hub.close();
    const [ca, cv] = await Promise.all([a.closed, v.closed]);
    expect(ca.code).toBe(CLOSE.restart);
    expect(ca.code).toBe(1012);
    expect(cv.code).toBe(1012);
    expect(s.hub.size).toBe(0);
    const late = connect(s, "agent7");
    await expect(late.opened).rejects.toMatchObject({ status: 503 });
  });
});

import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createStaff, staffCtxFor } from "../../../tests/factories";
import { recordFrames } from "../../../tests/ws-client";
import { wsHarness } from "../../../tests/ws-harness";
import { sealSession, SESSION_COOKIE, unsealSession } from "../../auth/session";
import { publicSessionId, revokeMyOtherSessions, revokeMySession } from "../../auth/staff-sessions";
import { CLOSE } from "../../constants";
import { applyEffects } from "../../effects";
import { reauthorizeConn } from "../access";
import { authenticateUpgrade } from "../authenticate";
import { redisBackplane } from "../backplane";
import { connectionLifecycle, createDispatcher } from "../dispatch";
import { getHub, Hub, setHub } from "../hub";

/**
 * Signing one device out closes exactly that device's open sockets, at once:
 * not the user's other devices, not anyone else's. A session past its idle
 * limit can't open a socket.
 */
const ws = wsHarness();
const db = () => ws.state.h.db;
beforeAll(() => ws.start());
afterAll(() => ws.stop());

type User = Awaited<ReturnType<typeof createStaff>>;

/** One device: its own session (cookie) and an open console socket on `base` (the harness's by default). */
async function deviceSocket(user: User, opts: { base?: string; origin?: string; now?: Date } = {}) {
  const cookie = await sealSession({ userId: user.id, sessionVersion: user.sessionVersion }, { db: db(), now: opts.now });
  const sid = (await unsealSession(cookie))!.sid;
  const cookieHeader = `${SESSION_COOKIE}=${encodeURIComponent(cookie)}`;
  const socket = new WebSocket(opts.base ?? ws.state.base, { headers: { Cookie: cookieHeader, Origin: opts.origin ?? ws.state.own } });
  const rec = recordFrames(socket);
  return { sid, cookieHeader, socket, ...rec };
}

async function open(d: Awaited<ReturnType<typeof deviceSocket>>) {
  await d.opened;
  await d.next("hello");
  return d;
}

/** A ping round trip: the socket is still open and served. */
async function alive(d: Awaited<ReturnType<typeof deviceSocket>>, ref: string) {
  d.socket.send(JSON.stringify({ type: "ping", ref }));
  expect(await d.next((f) => f.type === "pong" && f.ref === ref)).toMatchObject({ type: "pong" });
}

describe("signing a device out", () => {
  it("closes that device's socket (4001) and only that one", async () => {
    const me = await createStaff(db());
    const laptop = await open(await deviceSocket(me));
    const phone = await open(await deviceSocket(me));
    const phoneTab2 = await open(await deviceSocket(me));
    const someoneElse = await open(await deviceSocket(await createStaff(db())));

    const ctx = staffCtxFor(db(), me);
    const { effects } = await revokeMySession({ ctx, input: { sessionId: publicSessionId(phone.sid), currentSessionId: laptop.sid } });
    await applyEffects(ctx, effects);

    expect((await phone.closed).code).toBe(CLOSE.signedOut);
    await alive(laptop, "laptop");
    await alive(phoneTab2, "tab2");
    await alive(someoneElse, "other");
  });

  it("'sign out all other devices' closes every socket of mine but this device's", async () => {
    const me = await createStaff(db());
    const here = await open(await deviceSocket(me));
    const others = [await open(await deviceSocket(me)), await open(await deviceSocket(me))];
    const ctx = staffCtxFor(db(), me);
    const { effects } = await revokeMyOtherSessions({ ctx, input: { currentSessionId: here.sid } });
    await applyEffects(ctx, effects);
    for (const o of others) expect((await o.closed).code).toBe(CLOSE.signedOut);
    await alive(here, "here");
  });

  it("a signed-out device can't open a new socket", async () => {
    const me = await createStaff(db());
    const d = await open(await deviceSocket(me));
    const ctx = staffCtxFor(db(), me);
    await applyEffects(ctx, (await revokeMySession({ ctx, input: { sessionId: publicSessionId(d.sid), currentSessionId: null } })).effects);
    expect((await d.closed).code).toBe(CLOSE.signedOut);
    const again = recordFrames(new WebSocket(ws.state.base, { headers: { Cookie: d.cookieHeader, Origin: ws.state.own } }));
    await expect(again.opened).rejects.toMatchObject({ status: 401 });
  });

  it("a session past its idle limit can't open a socket; one just inside it can", async () => {
    const me = await createStaff(db());
    const idle = await deviceSocket(me, { now: new Date(Date.now() - 12 * 3600_000) });
    await expect(idle.opened).rejects.toMatchObject({ status: 401 });
    const fresh = await open(await deviceSocket(me, { now: new Date(Date.now() - 12 * 3600_000 + 60_000) }));
    await alive(fresh, "fresh");
  });
});

/**
 * Two app instances on one Redis: the device's socket is on instance A, the
 * sign-out is committed and applied on instance B; A closes the socket.
 */
describe.runIf(process.env.TEST_REDIS_URL)("on every instance (Redis backplane)", () => {
  let b: { hub: Hub; server: http.Server };
  let a: { hub: Hub; server: http.Server; base: string; own: string };

  async function instance() {
    const deps = { hub: () => hub, apply: applyEffects };
    const hub: Hub = new Hub({
      authenticate: authenticateUpgrade,
      dispatch: createDispatcher(deps),
      reauthorize: reauthorizeConn,
      lifecycle: connectionLifecycle(deps),
      backplane: await redisBackplane(process.env.TEST_REDIS_URL!),
      clientIp: () => "127.0.0.1",
    });
    const server = http.createServer((_q, r) => r.writeHead(404).end());
    server.on("upgrade", (req, socket, head) => void hub.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    return { hub, server, base: `ws://127.0.0.1:${port}/ws`, own: `http://127.0.0.1:${port}` };
  }

  beforeAll(async () => {
    a = await instance();
    b = await instance();
  });
  afterAll(async () => {
    for (const i of [a, b]) {
      await i?.hub.close();
      i?.server.closeAllConnections();
      await new Promise((r) => i?.server.close(r));
    }
  });

  it("a device connected to instance A is closed by a sign-out applied on instance B", async () => {
    const me = await createStaff(db());
    const onA = await open(await deviceSocket(me, { base: a.base, origin: a.own }));
    const keep = await open(await deviceSocket(me, { base: a.base, origin: a.own }));
    const harnessHub = getHub();
    // This process plays instance B: its effects publish through B's backplane.
    setHub(b.hub);
    try {
      const ctx = staffCtxFor(db(), me);
      const { effects } = await revokeMySession({ ctx, input: { sessionId: publicSessionId(onA.sid), currentSessionId: keep.sid } });
      await applyEffects(ctx, effects);
    } finally {
      setHub(harnessHub);
    }
    expect((await onA.closed).code).toBe(CLOSE.signedOut);
    await alive(keep, "keep");
  });
});

describe("an open console keeps its session in use", () => {
  it("a console heartbeat marks the device's session seen (its idle timeout counts socket work too)", async () => {
    const { eq } = await import("drizzle-orm");
    const { staffSessions } = await import("../../../db/schema");
    const me = await createStaff(db(), { role: "agent" });
    const d = await open(await deviceSocket(me));
    const long = new Date(Date.now() - 10 * 60_000);
    await db().update(staffSessions).set({ lastSeenAt: long }).where(eq(staffSessions.id, d.sid));
    d.socket.send(JSON.stringify({ type: "heartbeat" }));
    await expect
      .poll(async () => (await db().select({ at: staffSessions.lastSeenAt }).from(staffSessions).where(eq(staffSessions.id, d.sid)))[0].at.getTime())
      .toBeGreaterThan(long.getTime() + 5 * 60_000);
    d.socket.close();
  });
});

import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { publishConversations } from "../publish";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { DbHandle } from "../../../db/client";
import { messages } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createConversation, createProject, createStaff } from "../../../tests/factories";
import { sealSession, SESSION_COOKIE } from "../../auth/session";
import { setSingleton } from "../../singleton";
import { authenticateUpgrade } from "../authenticate";
import { applyEffects } from "../../effects";
import { reauthorizeConn } from "../access";
import { connectionLifecycle, createDispatcher } from "../dispatch";
import { Hub, setHub } from "../hub";
import { MAX_BODY_CHARS, MAX_FRAME_BYTES } from "../protocol";
import { recordFrames, type Frame } from "../../../tests/ws-client";

/**
 * The ws hub end to end inside one process: a real http server, the real Hub,
 * the real upgrade authentication (visitor token + project + Origin, staff
 * cookie + own Origin), the real dispatcher, effects and lifecycle hooks, against a
 * migrated test database installed as the process's db singleton.
 */


const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "occ-ws-"));
// getEnv() is parsed lazily on first use: these must be in place before that.
process.env.SESSION_SECRET = "ws-integration-test-secret-0123456789abcdef";
process.env.DATA_DIR = tmp;
delete process.env.APP_URL;
// These tests build long histories through the socket in a blink: the frame limits
// (proven in flood.test.ts) are loosened here so setup isn't throttled.
process.env.RATE_LIMIT_FACTOR = "100";

let h: DbHandle;
let hub: Hub;
let server: http.Server;
let base: string;
/** The origin this server calls its own (no APP_URL: derived from the Host header). */
let own: string;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  setSingleton("env", undefined);
  setSingleton("rate-limiters", undefined);
  h = await createTestDb();
  setSingleton("db", Promise.resolve(h));
  server = http.createServer((_req, res) => res.writeHead(404).end());
  // Wired as server.ts wires it.
  const deps = { hub: () => hub, apply: applyEffects };
  hub = new Hub({
    authenticate: authenticateUpgrade,
    dispatch: createDispatcher(deps),
    reauthorize: reauthorizeConn,
    lifecycle: connectionLifecycle(deps),
    clientIp: () => "127.0.0.1",
  });
  setHub(hub);
  server.on("upgrade", (req, socket, head) => void hub.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  base = `ws://127.0.0.1:${port}/ws`;
  own = `http://127.0.0.1:${port}`;
});

afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
});

afterAll(async () => {
  await hub?.close().catch(() => {});
  setHub(undefined);
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await h?.close();
  setSingleton("db", undefined);
  delete process.env.RATE_LIMIT_FACTOR;
  setSingleton("env", undefined);
  setSingleton("rate-limiters", undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Client = ReturnType<typeof openClient>;

/** A ws client that records every frame; `next(type)` consumes frames in arrival order. */
function openClient(query: string, headers: Record<string, string>) {
  const ws = new WebSocket(`${base}${query}`, { headers });
  sockets.push(ws);
  const { frames, closed, opened, next } = recordFrames(ws);
  const send = (frame: unknown) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  let pings = 0;
  /**
   * A ping round trip. Frames are written to one socket in order, so once the
   * pong is back every frame the server sent this client before it is here too.
   */
  async function sync() {
    const ref = `sync-${++pings}`;
    send({ type: "ping", ref });
    expect(await next((f) => f.type === "pong" && f.ref === ref)).toEqual({ type: "pong", ref });
  }
  return { ws, frames, closed, opened, next, send, sync };
}

async function visitorClient(v: { token: string }, slug: string, origin: string | null = own): Promise<Client> {
  const c = openClient(`?vt=${encodeURIComponent(v.token)}&project=${encodeURIComponent(slug)}`, origin ? { Origin: origin } : {});
  await c.opened;
  await c.next("hello");
  return c;
}

async function staffClient(user: { id: number; sessionVersion: number }, origin: string | null = own): Promise<Client> {
  const c = openClient("", { Cookie: await staffCookie(user), ...(origin ? { Origin: origin } : {}) });
  await c.opened;
  await c.next("hello");
  return c;
}

async function staffCookie(user: { id: number; sessionVersion: number }) {
  return `${SESSION_COOKIE}=${encodeURIComponent(await sealSession({ userId: user.id, sessionVersion: user.sessionVersion }))}`;
}

async function join(c: Client, conversationId: number, afterId?: number) {
  const ref = `join-${conversationId}-${Math.random().toString(36).slice(2)}`;
  c.send({ type: "join", ref, conversationId, ...(afterId !== undefined ? { afterId } : {}) });
  return c.next((f) => f.ref === ref && (f.type === "joined" || f.type === "error"));
}

let seq = 0;
const cmid = () => `cmid-${Date.now().toString(36)}-${(++seq).toString().padStart(4, "0")}`;

/** Send a message and wait for its ack. */
async function say(c: Client, conversationId: number, body: string, clientMsgId = cmid()) {
  c.send({ type: "send", ref: clientMsgId, conversationId, clientMsgId, body });
  const ack = await c.next((f) => (f.type === "ack" || f.type === "error") && f.ref === clientMsgId);
  expect(ack.type, JSON.stringify(ack)).toBe("ack");
  return ack.message as { id: number; body: string; conversationId: number; clientMsgId: string };
}

const messageFrames = (c: Client, conversationId: number) =>
  c.frames.filter((f) => f.type === "message" && (f.message as { conversationId: number }).conversationId === conversationId);

/** Every frame that concerns a conversation, whatever its type. */
function framesAbout(c: Client, conversationId: number): Frame[] {
  return c.frames.filter((f) => {
    if (f.conversationId === conversationId) return true;
    const m = f.message as { conversationId?: number } | undefined;
    const conv = (f.conversation ?? f.chat) as { id?: number } | undefined;
    return m?.conversationId === conversationId || conv?.id === conversationId || f.fromConversationId === conversationId || f.toConversationId === conversationId;
  });
}

async function setup() {
  const project = await createProject(h.db);
  const admin = await createStaff(h.db, { role: "admin" });
  const { visitor, conversation } = await createConversation(h.db, { projectId: project.id, assigneeId: admin.id });
  return { project, admin, visitor, conversation };
}

describe("client frame validation", () => {
  it("answers unknown types, wrong field types and an over-long body with an error frame, and the socket stays healthy", async () => {
    const { project, visitor, conversation } = await setup();
    const v = await visitorClient(visitor, project.slug);

    v.send({ type: "launch_missiles", ref: "u1" });
    expect(await v.next("error")).toMatchObject({ type: "error", ref: "u1", code: "validation" });

    v.send({ type: "join", ref: "u2", conversationId: "not-a-number" });
    expect(await v.next("error")).toMatchObject({ ref: "u2", code: "validation" });

    v.send({ type: "join", ref: "u3", conversationId: -5 });
    expect(await v.next("error")).toMatchObject({ ref: "u3", code: "validation" });

    v.send({ type: "typing", conversationId: conversation.id, on: "yes" });
    expect(await v.next("error")).toMatchObject({ code: "validation" });

    v.send({ type: "send", ref: "u4", conversationId: conversation.id, clientMsgId: "has spaces!", body: "hi" });
    expect(await v.next("error")).toMatchObject({ ref: "u4", code: "validation" });

    v.send("{not json");
    expect(await v.next("error")).toMatchObject({ code: "bad_request" });

    const longId = cmid();
    v.send({ type: "send", ref: "u5", conversationId: conversation.id, clientMsgId: longId, body: "x".repeat(MAX_BODY_CHARS + 1) });
    expect(await v.next("error")).toMatchObject({ ref: "u5", code: "validation" });
    const rows = await h.db.select().from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows).toHaveLength(0);

    // A body of exactly the limit is fine.
    const ok = await say(v, conversation.id, "y".repeat(MAX_BODY_CHARS));
    expect(ok.body).toHaveLength(MAX_BODY_CHARS);

    expect(v.ws.readyState).toBe(WebSocket.OPEN);
    await v.sync();
  });

  it("closes the socket (1009) for a frame over MAX_FRAME_BYTES; other sockets are untouched", async () => {
    const { project, visitor, admin } = await setup();
    const v = await visitorClient(visitor, project.slug);
    const a = await staffClient(admin);
    v.send({ type: "ping", ref: "big", pad: "x".repeat(MAX_FRAME_BYTES) });
    expect((await v.closed).code).toBe(1009);
    expect(v.frames.some((f) => f.type === "pong")).toBe(false);
    await a.sync();
  });
});

describe("upgrade authentication", () => {
  it("refuses a visitor token presented with another project's slug", async () => {
    const projectA = await createProject(h.db);
    const projectB = await createProject(h.db);
    const { visitor } = await createConversation(h.db, { projectId: projectA.id });
    const wrong = openClient(`?vt=${visitor.token}&project=${projectB.slug}`, { Origin: own });
    await expect(wrong.opened).rejects.toMatchObject({ status: 401 });
    const unknown = openClient(`?vt=${visitor.token}&project=no-such-project`, { Origin: own });
    await expect(unknown.opened).rejects.toMatchObject({ status: 401 });
    const forged = openClient(`?vt=${"A".repeat(43)}&project=${projectA.slug}`, { Origin: own });
    await expect(forged.opened).rejects.toMatchObject({ status: 401 });
    // The same token with its own project is accepted.
    const right = await visitorClient(visitor, projectA.slug);
    expect(right.frames[0]).toEqual({ type: "hello", role: "visitor", visitorId: visitor.id });
  });

  it("refuses a disallowed or missing Origin with 401, for visitors and staff", async () => {
    const project = await createProject(h.db, { allowedOrigins: ["https://shop.example.com"] });
    const admin = await createStaff(h.db, { role: "admin" });
    const { visitor } = await createConversation(h.db, { projectId: project.id });
    const q = `?vt=${visitor.token}&project=${project.slug}`;

    const foreign: Record<string, string>[] = [{ Origin: "https://evil.example" }, { Origin: "https://shop.example.com.evil.example" }, {}];
    for (const headers of foreign) {
      const c = openClient(q, headers);
      await expect(c.opened, JSON.stringify(headers)).rejects.toMatchObject({ status: 401 });
    }
    // The project's whitelisted embed origin is allowed for visitors…
    await visitorClient(visitor, project.slug, "https://shop.example.com");

    // …but staff sockets only from our own origin: a foreign page can't ride the cookie.
    const cookie = await staffCookie(admin);
    const staffForeign: Record<string, string>[] = [
      { Cookie: cookie, Origin: "https://shop.example.com" },
      { Cookie: cookie, Origin: "https://evil.example" },
      { Cookie: cookie },
    ];
    for (const headers of staffForeign) {
      const c = openClient("", headers);
      await expect(c.opened, JSON.stringify(headers)).rejects.toMatchObject({ status: 401 });
    }
    const ok = await staffClient(admin);
    expect(ok.frames[0]).toEqual({ type: "hello", role: "admin", userId: admin.id });
    expect(hub.size).toBeGreaterThanOrEqual(2);
  });
});

describe("conversation isolation", () => {
  it("a visitor joining someone else's chat gets the same not_found as a missing id, and hears nothing of it", async () => {
    const project = await createProject(h.db);
    const admin = await createStaff(h.db, { role: "admin" });
    const A = await createConversation(h.db, { projectId: project.id, assigneeId: admin.id });
    const B = await createConversation(h.db, { projectId: project.id, assigneeId: admin.id });
    const va = await visitorClient(A.visitor, project.slug);
    const vb = await visitorClient(B.visitor, project.slug);
    const staff = await staffClient(admin);

    expect(await join(va, A.conversation.id)).toMatchObject({ type: "joined", conversationId: A.conversation.id });
    const intrusion = await join(va, B.conversation.id);
    const missing = await join(va, 2_000_000_000);
    expect(intrusion).toMatchObject({ type: "error", code: "not_found" });
    expect({ code: intrusion.code, message: intrusion.message }).toEqual({ code: missing.code, message: missing.message });

    // Writing into it, or faking typing and receipts there, is refused or ignored.
    const sneak = cmid();
    va.send({ type: "send", ref: sneak, conversationId: B.conversation.id, clientMsgId: sneak, body: "let me in" });
    expect(await va.next((f) => f.ref === sneak)).toMatchObject({ type: "error", code: "not_found" });
    va.send({ type: "typing", conversationId: B.conversation.id, on: true });
    va.send({ type: "read", conversationId: B.conversation.id, upToId: 2_000_000 });

    // B's chat goes on: messages both ways, typing, receipts.
    expect(await join(vb, B.conversation.id)).toMatchObject({ type: "joined" });
    expect(await join(staff, B.conversation.id)).toMatchObject({ type: "joined" });
    vb.send({ type: "typing", conversationId: B.conversation.id, on: true });
    expect(await staff.next("typing")).toMatchObject({ conversationId: B.conversation.id, who: "visitor", on: true });
    const fromB = await say(vb, B.conversation.id, "private to B");
    await staff.next((f) => f.type === "message" && (f.message as { id: number }).id === fromB.id);
    staff.send({ type: "read", conversationId: B.conversation.id, upToId: fromB.id });
    await vb.next("receipt");
    staff.send({ type: "typing", conversationId: B.conversation.id, on: true });
    await vb.next("typing");
    const toB = await say(staff, B.conversation.id, "reply to B");
    await vb.next((f) => f.type === "message" && (f.message as { id: number }).id === toB.id);

    await va.sync();
    expect(framesAbout(va, B.conversation.id).filter((f) => f.type !== "error")).toEqual([]);
    expect(JSON.stringify(va.frames)).not.toContain("private to B");
    expect(JSON.stringify(va.frames)).not.toContain("reply to B");
    // Nothing of A's sneaking reached B's chat either.
    const rows = await h.db.select().from(messages).where(eq(messages.conversationId, B.conversation.id));
    expect(rows.map((r) => r.body)).toEqual(["private to B", "reply to B"]);
    expect(framesAbout(vb, B.conversation.id).filter((f) => f.type === "typing" && f.who === "visitor")).toEqual([]);
  });
});

describe("staff roles", () => {
  it("an agent not assigned joins read-only (Others): sees the chat, but send is refused and typing/receipts do nothing", async () => {
    const { project, visitor, conversation } = await setup();
    const other = await createStaff(h.db, { role: "agent", liveChatEnabled: true });
    const v = await visitorClient(visitor, project.slug);
    const ag = await staffClient(other);
    expect(await join(v, conversation.id)).toMatchObject({ type: "joined" });
    const joined = await join(ag, conversation.id);
    expect(joined).toMatchObject({ type: "joined", conversationId: conversation.id });

    const m = await say(v, conversation.id, "hello support");
    expect(await ag.next("message")).toMatchObject({ message: { id: m.id, body: "hello support" } });

    const id = cmid();
    ag.send({ type: "send", ref: id, conversationId: conversation.id, clientMsgId: id, body: "butting in" });
    expect(await ag.next((f) => f.ref === id)).toMatchObject({ type: "error", code: "forbidden" });
    ag.send({ type: "typing", conversationId: conversation.id, on: true });
    ag.send({ type: "delivered", conversationId: conversation.id, upToId: m.id });
    ag.send({ type: "read", conversationId: conversation.id, upToId: m.id });
    await ag.sync();
    await v.sync();
    expect(v.frames.filter((f) => f.type === "typing" || f.type === "receipt")).toEqual([]);
    const [row] = await h.db.select().from(messages).where(eq(messages.id, m.id));
    expect(row).toMatchObject({ deliveredAt: null, readAt: null });
    const rows = await h.db.select().from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows).toHaveLength(1);
  });

  it("QA can join and watch any chat but never send", async () => {
    const { project, visitor, conversation, admin } = await setup();
    const qa = await createStaff(h.db, { role: "qa" });
    const v = await visitorClient(visitor, project.slug);
    const a = await staffClient(admin);
    const q = await staffClient(qa);
    await join(v, conversation.id);
    await join(a, conversation.id);
    expect(await join(q, conversation.id)).toMatchObject({ type: "joined", conversationId: conversation.id });

    const m = await say(v, conversation.id, "QA may read this");
    expect(await q.next((f) => f.type === "message" && (f.message as { id: number }).id === m.id)).toBeTruthy();

    const id = cmid();
    q.send({ type: "send", ref: id, conversationId: conversation.id, clientMsgId: id, body: "QA speaking" });
    expect(await q.next((f) => f.ref === id)).toMatchObject({ type: "error", code: "forbidden" });
    q.send({ type: "typing", conversationId: conversation.id, on: true });
    q.send({ type: "read", conversationId: conversation.id, upToId: m.id });
    await q.sync();
    await v.sync();
    await a.sync();
    expect(v.frames.filter((f) => f.type === "typing" || f.type === "receipt")).toEqual([]);
    expect(JSON.stringify(v.frames)).not.toContain("QA speaking");
    const rows = await h.db.select().from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows.map((r) => r.body)).toEqual(["QA may read this"]);
  });
});

describe("messaging over ws", () => {
  it("a repeated send (same clientMsgId) is acked twice with one message id, delivered once, stored once", async () => {
    const { project, visitor, conversation, admin } = await setup();
    const v = await visitorClient(visitor, project.slug);
    const a = await staffClient(admin);
    await join(v, conversation.id);
    await join(a, conversation.id);

    // Staff → visitor: the visitor is only in the conversation's room.
    const id = cmid();
    const frame = { type: "send", ref: id, conversationId: conversation.id, clientMsgId: id, body: "only once" };
    a.send(frame);
    a.send(frame);
    const ack1 = await a.next((f) => f.type === "ack" && f.clientMsgId === id);
    const ack2 = await a.next((f) => f.type === "ack" && f.clientMsgId === id);
    const msgId = (ack1.message as { id: number }).id;
    expect((ack2.message as { id: number }).id).toBe(msgId);
    await v.next((f) => f.type === "message" && (f.message as { id: number }).id === msgId);
    await v.sync();
    expect(messageFrames(v, conversation.id).map((f) => (f.message as { id: number }).id)).toEqual([msgId]);

    // Visitor → staff, retried after the first ack: the staff side sees no more frames than for one send.
    const vid = cmid();
    const first = await say(v, conversation.id, "retry me", vid);
    await a.next((f) => f.type === "message" && (f.message as { id: number }).id === first.id);
    await a.sync();
    const afterOne = messageFrames(a, conversation.id).length;
    const again = await say(v, conversation.id, "retry me", vid);
    expect(again.id).toBe(first.id);
    await a.sync();
    expect(messageFrames(a, conversation.id)).toHaveLength(afterOne);

    const rows = await h.db
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, conversation.id)));
    expect(rows.map((r) => r.clientMsgId).sort()).toEqual([id, vid].sort());
  });

  it("receipts: visitor send → ack; staff gets the message, marks it delivered, then read; the visitor hears both", async () => {
    const { project, visitor, conversation, admin } = await setup();
    const v = await visitorClient(visitor, project.slug);
    const a = await staffClient(admin);
    await join(v, conversation.id);
    await join(a, conversation.id);

    const m = await say(v, conversation.id, "are you there?");
    expect(m).toMatchObject({ conversationId: conversation.id, body: "are you there?" });
    const got = await a.next((f) => f.type === "message" && (f.message as { id: number }).id === m.id);
    expect(got.message).toMatchObject({ senderKind: "visitor", deliveredAt: null, readAt: null });

    a.send({ type: "delivered", conversationId: conversation.id, upToId: m.id });
    expect(await v.next("receipt")).toEqual({ type: "receipt", conversationId: conversation.id, side: "visitor", kind: "delivered", upToId: m.id });
    const [delivered] = await h.db.select().from(messages).where(eq(messages.id, m.id));
    expect(delivered.deliveredAt).not.toBeNull();
    expect(delivered.readAt).toBeNull();

    a.send({ type: "read", conversationId: conversation.id, upToId: m.id });
    expect(await v.next("receipt")).toEqual({ type: "receipt", conversationId: conversation.id, side: "visitor", kind: "read", upToId: m.id });
    const [read] = await h.db.select().from(messages).where(eq(messages.id, m.id));
    expect(read.readAt).not.toBeNull();

    // A repeated receipt changes nothing and says nothing.
    a.send({ type: "read", conversationId: conversation.id, upToId: m.id });
    await a.sync();
    await v.sync();
    expect(v.frames.filter((f) => f.type === "receipt")).toHaveLength(2);

    // A rejoin reports the watermarks.
    const rejoined = await join(v, conversation.id);
    expect(rejoined.receipts).toMatchObject({ visitorMsgsDeliveredUpTo: m.id, visitorMsgsReadUpTo: m.id });

    // And the other direction: staff message, visitor reads it.
    const s = await say(a, conversation.id, "yes, hello");
    await v.next((f) => f.type === "message" && (f.message as { id: number }).id === s.id);
    v.send({ type: "read", conversationId: conversation.id, upToId: s.id });
    expect(await a.next((f) => f.type === "receipt" && f.side === "staff")).toEqual({
      type: "receipt",
      conversationId: conversation.id,
      side: "staff",
      kind: "read",
      upToId: s.id,
    });
  });

  it("typing is relayed to the other side only", async () => {
    const { project, visitor, conversation, admin } = await setup();
    const v = await visitorClient(visitor, project.slug);
    const v2 = await visitorClient(visitor, project.slug); // the visitor's second tab
    const a = await staffClient(admin);
    const outsider = await staffClient(await createStaff(h.db, { role: "admin" }));
    await join(v, conversation.id);
    await join(v2, conversation.id);
    await join(a, conversation.id);

    v.send({ type: "typing", conversationId: conversation.id, on: true });
    expect(await a.next("typing")).toEqual({ type: "typing", conversationId: conversation.id, who: "visitor", on: true });
    v.send({ type: "typing", conversationId: conversation.id, on: false });
    expect(await a.next("typing")).toEqual({ type: "typing", conversationId: conversation.id, who: "visitor", on: false });
    a.send({ type: "typing", conversationId: conversation.id, on: true });
    expect(await v.next("typing")).toEqual({ type: "typing", conversationId: conversation.id, who: "staff", on: true });

    await Promise.all([v.sync(), a.sync(), outsider.sync()]);
    // Never echoed to the typist's own socket; never to staff who didn't open the chat.
    expect(v.frames.filter((f) => f.type === "typing" && f.who === "visitor")).toEqual([]);
    expect(a.frames.filter((f) => f.type === "typing" && f.who === "staff")).toEqual([]);
    expect(outsider.frames.filter((f) => f.type === "typing")).toEqual([]);

    // Typing before joining is ignored.
    const late = await visitorClient(visitor, project.slug);
    late.send({ type: "typing", conversationId: conversation.id, on: true });
    await late.sync();
    await a.sync();
    expect(a.frames.filter((f) => f.type === "typing" && f.who === "visitor")).toHaveLength(2);
  });

  it("reconnect catch-up: join with afterId returns exactly the messages after it, in order", async () => {
    const { project, visitor, conversation, admin } = await setup();
    const a = await staffClient(admin);
    let v = await visitorClient(visitor, project.slug);
    await join(v, conversation.id);
    await join(a, conversation.id);
    const seen = [await say(v, conversation.id, "one"), await say(a, conversation.id, "two")];
    await v.next((f) => f.type === "message" && (f.message as { id: number }).id === seen[1].id);
    v.ws.close();
    await v.closed;

    const missed = [];
    for (const body of ["three", "four", "five"]) missed.push(await say(a, conversation.id, body));

    v = await visitorClient(visitor, project.slug);
    const caught = await join(v, conversation.id, seen[1].id);
    expect(caught).toMatchObject({ type: "joined", more: false });
    const got = caught.messages as { id: number; body: string }[];
    expect(got.map((m) => m.id)).toEqual(missed.map((m) => m.id));
    expect(got.map((m) => m.body)).toEqual(["three", "four", "five"]);

    // From the start: everything; from the last id: nothing.
    expect(((await join(v, conversation.id, 0)).messages as { body: string }[]).map((m) => m.body)).toEqual(["one", "two", "three", "four", "five"]);
    expect((await join(v, conversation.id, missed[2].id)).messages).toEqual([]);

    // And the reconnected socket is live again.
    const live = await say(a, conversation.id, "six");
    expect(await v.next("message")).toMatchObject({ message: { id: live.id, body: "six" } });
  });

  it("a long outage is caught up in batches: `more` until the last one, nothing skipped or repeated", async () => {
    const { project, visitor, conversation, admin } = await setup();
    // Stored directly (faster than 205 round trips); the catch-up path is what's under test.
    const rows = await h.db
      .insert(messages)
      .values(
        Array.from({ length: 205 }, (_, i) => ({
          conversationId: conversation.id,
          senderKind: "admin" as const,
          senderId: admin.id,
          body: `missed ${i + 1}`,
          clientMsgId: `bulk-${conversation.id}-${String(i).padStart(4, "0")}`,
        })),
      )
      .returning({ id: messages.id });
    const ids = rows.map((r) => r.id).sort((a, b) => a - b);
    const v = await visitorClient(visitor, project.slug);
    const got: number[] = [];
    const batches: number[] = [];
    let afterId = 0;
    for (let round = 0; round < 5; round++) {
      const page = await join(v, conversation.id, afterId);
      const batch = (page.messages as { id: number }[]).map((m) => m.id);
      got.push(...batch);
      batches.push(batch.length);
      if (!page.more) break;
      afterId = batch[batch.length - 1];
    }
    expect(batches).toEqual([200, 5]);
    expect(got).toEqual(ids);
  });

  it("a first join without afterId returns the last page with a cursor to older history", async () => {
    const { project, visitor, conversation } = await setup();
    const v = await visitorClient(visitor, project.slug);
    await join(v, conversation.id);
    const sent = [];
    for (let i = 1; i <= 33; i++) sent.push(await say(v, conversation.id, `m${i}`));
    const page = await join(v, conversation.id);
    const got = page.messages as { id: number }[];
    expect(got.map((m) => m.id)).toEqual(sent.slice(-30).map((m) => m.id));
    expect(typeof page.olderCursor).toBe("string");
  });
});

describe("what a visitor learns about their chat", () => {
  it("only its visitor view (status, the agent's display name, queue place): never lead stage, owner id, unread counts or the AI flag", async () => {
    const { project, admin, visitor, conversation } = await setup();
    const v = await visitorClient(visitor, project.slug);
    const joined = await join(v, conversation.id);
    const view = { id: conversation.id, status: "active", agentName: admin.displayName, queuePosition: null, nobodyAvailable: false, previousConversationId: null };
    expect(joined.conversation).toEqual(view);
    const a = await staffClient(admin);
    await join(a, conversation.id);
    a.send({ type: "typing", conversationId: conversation.id, on: true });
    await v.next("typing");
    // A state change reaches the visitor as a visitor view only.
    await publishConversations(h.db, [conversation.id]);
    const chat = await v.next("chat");
    expect(chat).toEqual({ type: "chat", chat: view });
    await v.sync();
    for (const f of v.frames) {
      const text = JSON.stringify(f);
      for (const field of ["leadStage", "assigneeName", "assigneeId", "staffUnread", "assignedToAi"]) expect(text).not.toContain(field);
    }
  });
});

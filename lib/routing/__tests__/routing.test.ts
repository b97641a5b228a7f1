import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { conversations, roundRobinCursor, users } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { systemCtx } from "../../ctx";
import { findStaffBySession, sealSession } from "../../auth/session";
import { visitorWentAway } from "../../chat/lifecycle";
import { createConversation, createProject, createStaff, staffCtxFor, isolateRouting } from "../../../tests/factories";
import {
  drainQueue,
  heartbeatPresence,
  pickConversation,
  reassignConversation,
  setOnBreak,
  setStaffConnections,
  sweepAgentGrace,
  sweepInactiveAgents,
  sweepOfflineVisitors,
  markSignedOut,
} from "..";
import { AGENT_GRACE_MS, AGENT_INACTIVITY_MS, PRESENCE_STALE_MS } from "../constants";

process.env.SESSION_SECRET ??= "routing-test-secret-routing-test-secret-0123";
process.env.DATA_DIR ??= "/tmp/occ-routing-test";

let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

// Each test works on its own agents; make earlier tests' agents ineligible so counts are local.
beforeEach(() => isolateRouting(h.db));

const T0 = new Date("2026-05-01T09:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

async function onlineAgent(over: Partial<typeof users.$inferInsert> = {}, now = T0) {
  const u = await createStaff(h.db, { role: "agent", ...over });
  await setStaffConnections(h.db, { userId: u.id, instanceId: "i1", connections: 1, now });
  return u;
}

/** The sweepers' and the drain's own ctx, at a given time. */
const sys = (now: Date) => systemCtx(h.db, "test", now);
const drain = async (now: Date, max?: number) => (await drainQueue({ ctx: sys(now), input: { max } })).result;
const sweepVisitors = async (now: Date) => (await sweepOfflineVisitors({ ctx: sys(now) })).result;
const sweepGrace = async (now: Date) => (await sweepAgentGrace({ ctx: sys(now) })).result;
const sweepInactive = async (now: Date) => (await sweepInactiveAgents({ ctx: sys(now) })).result;

async function ownerOf(id: number) {
  const [c] = await h.db.select().from(conversations).where(eq(conversations.id, id));
  return c;
}

describe("round-robin auto-assignment", () => {
  it("rotates across eligible agents in order and persists the cursor", async () => {
    const project = await createProject(h.db);
    const a = await onlineAgent();
    const b = await onlineAgent();
    const c = await onlineAgent();
    const chats = [];
    for (let i = 0; i < 6; i++) chats.push((await createConversation(h.db, { projectId: project.id })).conversation);
    const done = await drain(at(1000), 4);
    expect(done.map((d) => d.agentId)).toEqual([a.id, b.id, c.id, a.id]);
    // The rotation lives in the database: a "restarted" process continues after the last one.
    const [cursor] = await h.db.select().from(roundRobinCursor);
    expect(cursor.lastUserId).toBe(a.id);
    const rest = await drain(at(2000));
    expect(rest.map((d) => d.agentId)).toEqual([b.id, c.id]);
    for (const chat of chats) expect((await ownerOf(chat.id)).status).toBe("active");
  });

  it("skips agents who are offline, on break, without Live Chat, full, or already chatting with the same phone", async () => {
    const project = await createProject(h.db);
    const offline = await createStaff(h.db, { role: "agent" });
    const onBreak = await onlineAgent({ onBreak: true });
    const noLive = await onlineAgent({ liveChatEnabled: false });
    const full = await onlineAgent({ activeChatLimit: 1 });
    await createConversation(h.db, { projectId: project.id, assigneeId: full.id, status: "active" });
    const samePhone = await onlineAgent();
    await createConversation(h.db, { projectId: project.id, assigneeId: samePhone.id, status: "offline", phone: "+14155550100" });
    const ok = await onlineAgent();
    const { conversation } = await createConversation(h.db, { projectId: project.id, phone: "+14155550100" });
    const [d] = await drain(at(1000));
    expect(d).toMatchObject({ conversationId: conversation.id, agentId: ok.id });
    for (const u of [offline, onBreak, noLive, full, samePhone]) expect(d.agentId).not.toBe(u.id);
  });

  it("keeps the queue when nobody has room, and drains it oldest first when capacity appears", async () => {
    const project = await createProject(h.db);
    const agent = await createStaff(h.db, { role: "agent", activeChatLimit: 2 });
    const first = (await createConversation(h.db, { projectId: project.id })).conversation;
    const second = (await createConversation(h.db, { projectId: project.id })).conversation;
    const third = (await createConversation(h.db, { projectId: project.id })).conversation;
    await h.db.execute(sql`update conversations set queued_at = ${at(-3000).toISOString()}::timestamptz where id = ${first.id}`);
    await h.db.execute(sql`update conversations set queued_at = ${at(-2000).toISOString()}::timestamptz where id = ${second.id}`);
    await h.db.execute(sql`update conversations set queued_at = ${at(-1000).toISOString()}::timestamptz where id = ${third.id}`);
    expect(await drain(at(0))).toEqual([]);
    // The agent comes online: the two oldest chats are theirs, the newest waits.
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "i1", connections: 1, now: at(100) });
    const done = await drain(at(200));
    expect(done.map((d) => d.conversationId)).toEqual([first.id, second.id]);
    expect((await ownerOf(third.id)).status).toBe("queued");
  });

  it("never exceeds a limit or gives a chat two owners under concurrent draining", async () => {
    const project = await createProject(h.db);
    const agents = [await onlineAgent({ activeChatLimit: 2 }), await onlineAgent({ activeChatLimit: 3 }), await onlineAgent({ activeChatLimit: 1 })];
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push((await createConversation(h.db, { projectId: project.id })).conversation.id);
    // Parallel drains: on PostgreSQL these run on separate pooled connections.
    const results = await Promise.all(Array.from({ length: 6 }, () => drain(at(1000))));
    const all = results.flat();
    expect(new Set(all.map((a) => a.conversationId)).size).toBe(all.length);
    expect(all).toHaveLength(6);
    const rows = await h.db.select().from(conversations).where(inArray(conversations.id, ids));
    for (const agent of agents) {
      const held = rows.filter((r) => r.assigneeId === agent.id && r.status === "active").length;
      expect(held).toBe(agent.activeChatLimit);
    }
    expect(rows.filter((r) => r.status === "queued")).toHaveLength(6);
  });
});

describe("visitor offline (15 s) with agent limits", () => {
  it("parks with an online agent with room; queues when the agent is offline or at the offline limit", async () => {
    const project = await createProject(h.db);
    const withRoom = await onlineAgent({ offlineChatLimit: 1 });
    const a = (await createConversation(h.db, { projectId: project.id, assigneeId: withRoom.id, status: "active" })).conversation;
    const b = (await createConversation(h.db, { projectId: project.id, assigneeId: withRoom.id, status: "active" })).conversation;
    const gone = await createStaff(h.db, { role: "agent" });
    const c = (await createConversation(h.db, { projectId: project.id, assigneeId: gone.id, status: "active" })).conversation;
    for (const id of [a.id, b.id, c.id]) await visitorWentAway(sys(at(0)), id);
    expect(await sweepVisitors(at(14_999))).toEqual([]);
    const res = await sweepVisitors(at(15_001));
    expect(res).toHaveLength(3);
    // One slot: the first to leave parks, the second overflows to the queue.
    expect((await ownerOf(a.id)).status).toBe("offline");
    expect(await ownerOf(b.id)).toMatchObject({ status: "queued", assigneeId: null });
    expect(await ownerOf(c.id)).toMatchObject({ status: "queued", assigneeId: null });
  });
});

describe("agent 30 s grace", () => {
  it("a refresh inside the grace keeps everything; after it, active chats are queued and parked ones kept up to the limit", async () => {
    const project = await createProject(h.db);
    const agent = await onlineAgent({ offlineChatLimit: 1 }, at(0));
    const active = (await createConversation(h.db, { projectId: project.id, assigneeId: agent.id, status: "active" })).conversation;
    const parked1 = (await createConversation(h.db, { projectId: project.id, assigneeId: agent.id, status: "offline" })).conversation;
    const parked2 = (await createConversation(h.db, { projectId: project.id, assigneeId: agent.id, status: "offline" })).conversation;
    await h.db.execute(sql`update conversations set last_message_at = ${at(-5000).toISOString()}::timestamptz where id = ${parked2.id}`);

    // Closing one of two tabs changes nothing.
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "i1", connections: 2, now: at(0) });
    expect((await setStaffConnections(h.db, { userId: agent.id, instanceId: "i1", connections: 1, now: at(1000) })).online).toBe(true);
    // The last tab closes; a refresh reconnects 5 s later.
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "i1", connections: 0, now: at(2000) });
    expect(await sweepGrace(at(2000 + AGENT_GRACE_MS - 1))).toEqual([]);
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "i1", connections: 1, now: at(7000) });
    expect(await sweepGrace(at(120_000))).toEqual([]);

    // Gone for good.
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "i1", connections: 0, now: at(200_000) });
    expect(await sweepGrace(at(200_000 + AGENT_GRACE_MS - 1))).toEqual([]);
    const released = await sweepGrace(at(200_000 + AGENT_GRACE_MS + 1));
    expect(released.map((r) => r.conversationId).sort()).toEqual([active.id, parked2.id].sort());
    expect((await ownerOf(parked1.id)).assigneeId).toBe(agent.id);
    expect(await ownerOf(active.id)).toMatchObject({ status: "queued", assigneeId: null });
  });

  it("a dead instance's connections age out and the grace starts from its last heartbeat", async () => {
    const project = await createProject(h.db);
    const agent = await onlineAgent({}, at(0));
    const chat = (await createConversation(h.db, { projectId: project.id, assigneeId: agent.id, status: "active" })).conversation;
    // Instance i1 dies; i2 keeps sweeping.
    await heartbeatPresence(h.db, "i2", at(PRESENCE_STALE_MS + 1));
    expect(await sweepGrace(at(AGENT_GRACE_MS - 1))).toEqual([]);
    const released = await sweepGrace(at(AGENT_GRACE_MS + 1));
    expect(released.map((r) => r.conversationId)).toContain(chat.id);
  });
});

describe("inactivity (5 min)", () => {
  it("signs out an agent with open chats after 5 minutes without a heartbeat and releases the chats", async () => {
    const project = await createProject(h.db);
    const agent = await onlineAgent({ lastActivityAt: at(0) });
    const chat = (await createConversation(h.db, { projectId: project.id, assigneeId: agent.id, status: "active" })).conversation;
    const cookie = await sealSession({ userId: agent.id, sessionVersion: agent.sessionVersion }, { db: h.db });
    expect((await sweepInactive(at(AGENT_INACTIVITY_MS - 1))).userIds).not.toContain(agent.id);
    const { result: res, effects: fx } = await sweepInactiveAgents({ ctx: sys(at(AGENT_INACTIVITY_MS + 1)) });
    expect(res.userIds).toContain(agent.id);
    // After commit their sockets close on every instance, and the released chats are handed out.
    expect(fx.signOut).toContain(agent.id);
    expect(fx.drain).toBe(true);
    expect(res.released.map((r) => r.conversationId)).toContain(chat.id);
    expect(await findStaffBySession(h.db, cookie)).toBeNull();
  });

  it("leaves an idle agent without chats alone", async () => {
    const agent = await onlineAgent({ lastActivityAt: at(0) });
    expect((await sweepInactive(at(AGENT_INACTIVITY_MS * 3))).userIds).not.toContain(agent.id);
  });
});

describe("pick, reassign and break", () => {
  it("an agent picks a queued chat within their limit; a taken chat is a conflict", async () => {
    const project = await createProject(h.db);
    const agent = await onlineAgent({ activeChatLimit: 1 });
    const other = await onlineAgent();
    const one = (await createConversation(h.db, { projectId: project.id })).conversation;
    const two = (await createConversation(h.db, { projectId: project.id })).conversation;
    await pickConversation({ ctx: staffCtxFor(h.db, agent, at(1000)), input: { conversationId: one.id } });
    expect(await ownerOf(one.id)).toMatchObject({ status: "active", assigneeId: agent.id });
    await expect(pickConversation({ ctx: staffCtxFor(h.db, agent, at(1000)), input: { conversationId: two.id } })).rejects.toMatchObject({ code: "conflict" });
    await expect(pickConversation({ ctx: staffCtxFor(h.db, other, at(1000)), input: { conversationId: one.id } })).rejects.toMatchObject({ code: "conflict" });
  });

  it("validates reassignment targets server-side, and agents may hand off only their own chats", async () => {
    const project = await createProject(h.db);
    const from = await onlineAgent();
    const target = await onlineAgent({ activeChatLimit: 1 });
    const offline = await createStaff(h.db, { role: "agent" });
    const onBreak = await onlineAgent({ onBreak: true });
    const noLive = await onlineAgent({ liveChatEnabled: false });
    const stranger = await onlineAgent();
    const admin = await createStaff(h.db, { role: "admin" });
    const qa = await createStaff(h.db, { role: "qa" });
    const chat = (await createConversation(h.db, { projectId: project.id, assigneeId: from.id, status: "active" })).conversation;
    const ctx = staffCtxFor(h.db, from, at(1000));
    for (const bad of [offline, onBreak, noLive]) {
      await expect(reassignConversation({ ctx, input: { conversationId: chat.id, agentId: bad.id } })).rejects.toMatchObject({ code: "conflict" });
    }
    await expect(reassignConversation({ ctx, input: { conversationId: chat.id, agentId: admin.id } })).rejects.toMatchObject({ code: "bad_request" });
    await expect(
      reassignConversation({ ctx: staffCtxFor(h.db, stranger, at(1000)), input: { conversationId: chat.id, agentId: target.id } }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      reassignConversation({ ctx: staffCtxFor(h.db, qa, at(1000)), input: { conversationId: chat.id, agentId: target.id } }),
    ).rejects.toMatchObject({ code: "forbidden" });
    const handed = await reassignConversation({ ctx, input: { conversationId: chat.id, agentId: target.id } });
    expect(handed.result).toMatchObject({
      agentId: target.id,
      previousAgentId: from.id,
    });
    // The old owner hears about it, and their freed slot drains the queue.
    expect(handed.effects).toMatchObject({ conversations: [{ id: chat.id, previousAssigneeId: from.id }], drain: true });
    // The target is now full: the admin can't push a second active chat on them either.
    const another = (await createConversation(h.db, { projectId: project.id, assigneeId: from.id, status: "active" })).conversation;
    await expect(
      reassignConversation({ ctx: staffCtxFor(h.db, admin, at(1000)), input: { conversationId: another.id, agentId: target.id } }),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(
      (await reassignConversation({ ctx: staffCtxFor(h.db, admin, at(1000)), input: { conversationId: another.id, agentId: stranger.id } })).result,
    ).toMatchObject({ agentId: stranger.id });
  });

  it("on break: no new chats, existing ones stay; back from break gets chats again", async () => {
    const project = await createProject(h.db);
    const agent = await onlineAgent();
    const held = (await createConversation(h.db, { projectId: project.id, assigneeId: agent.id, status: "active" })).conversation;
    await setOnBreak({ ctx: staffCtxFor(h.db, agent), input: { onBreak: true } });
    const waiting = (await createConversation(h.db, { projectId: project.id })).conversation;
    expect(await drain(at(1000))).toEqual([]);
    expect((await ownerOf(held.id)).assigneeId).toBe(agent.id);
    // Back from a break is capacity: the effects ask for a drain.
    expect((await setOnBreak({ ctx: staffCtxFor(h.db, agent), input: { onBreak: false } })).effects.drain).toBe(true);
    expect(await drain(at(2000))).toEqual([{ conversationId: waiting.id, agentId: agent.id, previousAgentId: null }]);
    await expect(setOnBreak({ ctx: staffCtxFor(h.db, agent), input: { onBreak: "yes" } })).rejects.toMatchObject({ name: "ZodError" });
  });
});

describe("signing out", () => {
  it("has no refresh grace: the agent's active chats are released at once and not handed back", async () => {
    const project = await createProject(h.db);
    const leaving = await onlineAgent({}, at(0));
    const chat = (await createConversation(h.db, { projectId: project.id, assigneeId: leaving.id, status: "active" })).conversation;
    await markSignedOut(h.db, [leaving.id], at(1000));
    // Their socket's close arrives afterwards and must not restart a grace.
    await setStaffConnections(h.db, { userId: leaving.id, instanceId: "i1", connections: 0, now: at(1100) });
    const released = await sweepGrace(at(1200));
    expect(released.map((r) => r.conversationId)).toContain(chat.id);
    expect(await drain(at(1300))).toEqual([]);
    expect(await ownerOf(chat.id)).toMatchObject({ status: "queued", assigneeId: null });
  });
});

describe("presence heartbeat", () => {
  it("rewrites the instance's rows from the hub's counts, healing a lost close or open", async () => {
    const project = await createProject(h.db);
    const stayed = await createStaff(h.db, { role: "agent" });
    const left = await onlineAgent({}, at(0));
    const chat = (await createConversation(h.db, { projectId: project.id, assigneeId: left.id, status: "active" })).conversation;
    // The hub says: `stayed` has a socket (its open write was lost), `left` has none (its close write was lost).
    await heartbeatPresence(h.db, "i1", at(5_000), new Map([[stayed.id, 1]]));
    // Their grace starts at the heartbeat that noticed, not before.
    expect((await sweepGrace(at(5_000 + AGENT_GRACE_MS - 1))).map((r) => r.conversationId)).not.toContain(chat.id);
    const released = await sweepGrace(at(5_000 + AGENT_GRACE_MS + 1));
    expect(released.map((r) => r.conversationId)).toContain(chat.id);
    const { agentOnline } = await import("../assign");
    expect(await agentOnline(h.db, stayed.id, at(6_000))).toBe(true);
    expect(await agentOnline(h.db, left.id, at(5_000 + AGENT_GRACE_MS + 1))).toBe(false);
  });
});

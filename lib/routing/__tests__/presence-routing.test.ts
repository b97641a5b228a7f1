import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { conversations, users } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createConversation, createProject, createStaff, staffCtxFor, isolateRouting } from "../../../tests/factories";
import { getConversationDetails } from "../../chat/conversation-details";
import { systemCtx } from "../../ctx";
import { isAppError } from "../../errors";
import { drainQueue, listAgentStatus, pickConversation, reassignConversation, setStaffConnections, sweepAgentGrace } from "..";
import { AGENT_GRACE_MS } from "../constants";

/**
 * Routing follows real presence: the 30 s grace keeps an agent's existing
 * chats through a refresh, but a new chat only ever goes to an agent with a
 * live connection. Fixed clock on both sides of the grace.
 */
let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => isolateRouting(h.db));

const T0 = new Date("2026-06-01T09:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const sys = (now: Date) => systemCtx(h.db, "test", now);

async function connected(name: string, now = T0, over: Partial<typeof users.$inferInsert> = {}) {
  const u = await createStaff(h.db, { role: "agent", displayName: name, ...over });
  await setStaffConnections(h.db, { userId: u.id, instanceId: "i1", connections: 1, now });
  return u;
}
const leave = (u: { id: number }, now: Date) => setStaffConnections(h.db, { userId: u.id, instanceId: "i1", connections: 0, now });
const row = async (id: number) => (await h.db.select().from(conversations).where(eq(conversations.id, id)))[0];

describe("new chats go only to connected agents", () => {
  it("an agent who just left (inside the grace) keeps their chat but gets no new one; a connected teammate does", async () => {
    const project = await createProject(h.db);
    const a = await connected("Ann");
    const b = await connected("Ben");
    const { conversation: held } = await createConversation(h.db, { projectId: project.id, status: "active", assigneeId: a.id });
    await leave(a, at(1_000));

    // 3 s later a visitor starts a chat: Ann is inside her grace, Ben is connected.
    const { conversation: fresh } = await createConversation(h.db, { projectId: project.id });
    const done = (await drainQueue({ ctx: sys(at(4_000)) })).result;
    expect(done).toEqual([{ conversationId: fresh.id, agentId: b.id, previousAgentId: null }]);
    // The grace still protects what Ann had…
    await sweepAgentGrace({ ctx: sys(at(1_000 + AGENT_GRACE_MS - 1)) });
    expect(await row(held.id)).toMatchObject({ status: "active", assigneeId: a.id });
    // …and only past it does her chat go back to the queue.
    await sweepAgentGrace({ ctx: sys(at(1_000 + AGENT_GRACE_MS + 1)) });
    expect(await row(held.id)).toMatchObject({ status: "queued", assigneeId: null });
  });

  it("with only an agent inside the grace, the new chat waits in the queue instead of going to them", async () => {
    const a = await connected("Cleo");
    await leave(a, at(0));
    const { conversation } = await createConversation(h.db);
    expect((await drainQueue({ ctx: sys(at(2_000)) })).result).toEqual([]);
    expect(await row(conversation.id)).toMatchObject({ status: "queued" });
    // Back online (a refresh finished): the queue drains to them.
    await setStaffConnections(h.db, { userId: a.id, instanceId: "i1", connections: 1, now: at(3_000) });
    expect((await drainQueue({ ctx: sys(at(3_000)) })).result.map((x) => x.agentId)).toEqual([a.id]);
  });

  it("a reassignment to an agent inside the grace is refused as offline; the agents list says they're in grace", async () => {
    const a = await connected("Dan");
    const b = await connected("Eve");
    const { conversation } = await createConversation(h.db, { status: "active", assigneeId: a.id });
    await leave(b, at(1_000));
    const manager = await createStaff(h.db, { role: "manager" });
    const err = await reassignConversation({ ctx: staffCtxFor(h.db, manager, at(2_000)), input: { conversationId: conversation.id, agentId: b.id } }).catch((e) => e);
    expect(isAppError(err) && err.code).toBe("conflict");
    expect(err.message).toMatch(/offline/);
    const list = await listAgentStatus({ ctx: staffCtxFor(h.db, manager, at(2_000)) });
    expect(list.find((x) => x.id === b.id)).toMatchObject({ online: false, inGrace: true, eligible: false });
    expect(list.find((x) => x.id === a.id)).toMatchObject({ online: true, inGrace: false });
  });
});

describe("every assignment explains itself", () => {
  it("round-robin records its rotation: who was skipped before the chosen agent, and why", async () => {
    const project = await createProject(h.db);
    const gone = await connected("Absent Al");
    await leave(gone, at(0));
    const resting = await connected("Resting Rae", T0, { onBreak: true });
    const full = await connected("Full Fay", T0, { activeChatLimit: 1 });
    await createConversation(h.db, { projectId: project.id, status: "active", assigneeId: full.id });
    const noChat = await connected("Noah", T0, { liveChatEnabled: false });
    const chosen = await connected("Gus");
    const { conversation } = await createConversation(h.db, { projectId: project.id });
    // Start the rotation before all of them.
    const { roundRobinCursor } = await import("../../../db/schema");
    await h.db.update(roundRobinCursor).set({ lastUserId: gone.id - 1 });
    const done = (await drainQueue({ ctx: sys(at(5_000)) })).result;
    expect(done.map((d) => d.agentId)).toEqual([chosen.id]);

    const note = (await row(conversation.id)).routingNote;
    expect(note).toEqual({
      kind: "rotation",
      at: at(5_000).toISOString(),
      agent: { id: chosen.id, name: "Gus" },
      position: 5,
      skipped: [
        { id: gone.id, name: "Absent Al", reason: "absent" },
        { id: resting.id, name: "Resting Rae", reason: "on_break" },
        { id: full.id, name: "Full Fay", reason: "full" },
        { id: noChat.id, name: "Noah", reason: "no_live_chat" },
      ],
    });
    // The chat's details show it to staff.
    const admin = await createStaff(h.db, { role: "admin" });
    expect((await getConversationDetails({ ctx: staffCtxFor(h.db, admin), conversationId: conversation.id })).routingNote).toEqual(note);
  });

  it("a pick and a supervisor's assignment say who did it", async () => {
    const a = await connected("Ivy");
    const b = await connected("Jon");
    const { conversation } = await createConversation(h.db);
    await pickConversation({ ctx: staffCtxFor(h.db, a, at(1_000)), input: { conversationId: conversation.id } });
    expect((await row(conversation.id)).routingNote).toEqual({ kind: "picked", at: at(1_000).toISOString(), agent: { id: a.id, name: "Ivy" } });
    const manager = await createStaff(h.db, { role: "manager", displayName: "Mia" });
    await reassignConversation({ ctx: staffCtxFor(h.db, manager, at(2_000)), input: { conversationId: conversation.id, agentId: b.id } });
    expect((await row(conversation.id)).routingNote).toEqual({
      kind: "assigned",
      at: at(2_000).toISOString(),
      agent: { id: b.id, name: "Jon" },
      by: { id: manager.id, name: "Mia" },
    });
  });
});

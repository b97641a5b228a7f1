import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { conversations, messages, users } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createConversation, createStaff, staffCtxFor, isolateRouting } from "../../../tests/factories";
import { systemCtx } from "../../ctx";
import { drainQueue, loadVisitorViews, pickConversation, reassignConversation, setStaffConnections } from "..";

/** A visitor always knows what is happening: place in the queue, whether anyone can answer, who joined. */
let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => isolateRouting(h.db));

const T0 = new Date("2026-07-01T09:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

async function queued(queuedAt: Date) {
  const { conversation, visitor } = await createConversation(h.db, { status: "queued" });
  await h.db.update(conversations).set({ queuedAt }).where(eq(conversations.id, conversation.id));
  return { conversation, visitor };
}

const lines = async (id: number) =>
  (await h.db.select().from(messages).where(eq(messages.conversationId, id)).orderBy(asc(messages.id))).map((m) => [m.senderKind, m.body]);

describe("the visitor's view", () => {
  it("gives queued chats their place in the drain's order, and says when nobody can answer", async () => {
    const a = await queued(at(2_000));
    const b = await queued(at(1_000));
    const c = await queued(at(1_000));
    const views = await loadVisitorViews(h.db, [a.conversation.id, b.conversation.id, c.conversation.id], at(3_000));
    const byId = new Map(views.map((v) => [v.id, v]));
    // Oldest first; the same millisecond falls back to the id, as the drain does.
    expect(byId.get(b.conversation.id)).toMatchObject({ queuePosition: 1, nobodyAvailable: true, agentName: null });
    expect(byId.get(c.conversation.id)).toMatchObject({ queuePosition: 2, nobodyAvailable: true });
    expect(byId.get(a.conversation.id)).toMatchObject({ queuePosition: 3, nobodyAvailable: true });

    // An agent connects, but is on break: still nobody to answer. Off break: someone can.
    const agent = await createStaff(h.db, { onBreak: true });
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "i1", connections: 1, now: at(3_000) });
    expect((await loadVisitorViews(h.db, [a.conversation.id], at(3_000)))[0].nobodyAvailable).toBe(true);
    await h.db.update(users).set({ onBreak: false }).where(eq(users.id, agent.id));
    expect((await loadVisitorViews(h.db, [a.conversation.id], at(3_000)))[0].nobodyAvailable).toBe(false);
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "i1", connections: 0, now: at(3_000) });
  });

  it("names the answering agent and links the visitor's previous chat", async () => {
    const agent = await createStaff(h.db, { displayName: "Kim" });
    const { conversation: first, visitor } = await createConversation(h.db, { status: "closed" });
    const [second] = await h.db
      .insert(conversations)
      .values({ projectId: first.projectId, visitorId: visitor.id, visitorPhone: visitor.phone, status: "active", assigneeId: agent.id })
      .returning();
    const [view] = await loadVisitorViews(h.db, [second.id]);
    expect(view).toEqual({ id: second.id, status: "active", agentName: "Kim", queuePosition: null, nobodyAvailable: false, previousConversationId: first.id });
  });
});

describe("system lines", () => {
  it("the thread says who joined, by the rotation or a pick, and who took over", async () => {
    const ann = await createStaff(h.db, { displayName: "Ann" });
    const ben = await createStaff(h.db, { displayName: "Ben" });
    for (const u of [ann, ben]) await setStaffConnections(h.db, { userId: u.id, instanceId: "i1", connections: 1, now: T0 });
    await h.db.update(users).set({ disabled: true }).where(eq(users.id, ben.id));
    const routed = await queued(at(1_000));
    const { result, effects } = await drainQueue({ ctx: systemCtx(h.db, "test", at(2_000)) });
    expect(result.map((r) => r.agentId)).toEqual([ann.id]);
    expect(await lines(routed.conversation.id)).toEqual([["system", "Ann joined the chat"]]);
    // The line goes out with the assignment, to the chat's room and the new owner.
    expect(effects.messages).toEqual([{ message: expect.objectContaining({ senderKind: "system", body: "Ann joined the chat", prevId: 0 }), assigneeId: ann.id }]);

    await h.db.update(users).set({ disabled: false }).where(eq(users.id, ben.id));
    const manager = await createStaff(h.db, { role: "manager" });
    await reassignConversation({ ctx: staffCtxFor(h.db, manager, at(3_000)), input: { conversationId: routed.conversation.id, agentId: ben.id } });
    expect(await lines(routed.conversation.id)).toEqual([
      ["system", "Ann joined the chat"],
      ["system", "Ben took over the chat"],
    ]);

    const picked = await queued(at(4_000));
    await pickConversation({ ctx: staffCtxFor(h.db, ann, at(5_000)), input: { conversationId: picked.conversation.id } });
    expect(await lines(picked.conversation.id)).toEqual([["system", "Ann joined the chat"]]);
    // System lines are not activity: the inbox preview stays as it was.
    const [row] = await h.db.select().from(conversations).where(eq(conversations.id, picked.conversation.id));
    expect(row.lastMessagePreview).toBe("");
  });
});

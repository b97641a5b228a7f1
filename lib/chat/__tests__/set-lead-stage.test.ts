import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { conversations, leads } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createConversation, createStaff, staffCtxFor } from "../../../tests/factories";
import { setLeadStage } from "../set-lead-stage";

let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

const stageOf = async (id: number) => (await h.db.select().from(conversations).where(eq(conversations.id, id)))[0].leadStage;

describe("setLeadStage", () => {
  it("lets an agent tag their own chat and returns the DTO, leaving last_message_at alone", async () => {
    const agent = await createStaff(h.db);
    const { conversation } = await createConversation(h.db, { assigneeId: agent.id });
    const later = new Date(conversation.lastMessageAt.getTime() + 86_400_000);
    const { result: dto } = await setLeadStage({ ctx: staffCtxFor(h.db, agent, later), input: { conversationId: conversation.id, stage: "converted" } });
    expect(dto).toMatchObject({ id: conversation.id, leadStage: "converted", lastMessageAt: conversation.lastMessageAt.toISOString() });
    expect(await stageOf(conversation.id)).toBe("converted");
    // Setting the same stage again is harmless.
    expect((await setLeadStage({ ctx: staffCtxFor(h.db, agent), input: { conversationId: conversation.id, stage: "converted" } })).result.leadStage).toBe("converted");
  });

  it("refuses an agent on someone else's chat or the queue", async () => {
    const agent = await createStaff(h.db);
    const mate = await createStaff(h.db);
    const theirs = await createConversation(h.db, { assigneeId: mate.id });
    const queued = await createConversation(h.db, { status: "queued" });
    const ctx = staffCtxFor(h.db, agent);
    await expect(setLeadStage({ ctx, input: { conversationId: theirs.conversation.id, stage: "qualified" } })).rejects.toMatchObject({ code: "forbidden" });
    await expect(setLeadStage({ ctx, input: { conversationId: queued.conversation.id, stage: "qualified" } })).rejects.toMatchObject({ code: "forbidden" });
    expect(await stageOf(theirs.conversation.id)).toBe("new");
  });

  it("refuses QA and agents without Live Chat, and lets admins and managers tag any chat", async () => {
    const agent = await createStaff(h.db);
    const { conversation } = await createConversation(h.db, { assigneeId: agent.id });
    const qa = await createStaff(h.db, { role: "qa" });
    await expect(setLeadStage({ ctx: staffCtxFor(h.db, qa), input: { conversationId: conversation.id, stage: "qualified" } })).rejects.toMatchObject({ code: "forbidden" });
    const off = await createStaff(h.db, { liveChatEnabled: false });
    await expect(setLeadStage({ ctx: staffCtxFor(h.db, off), input: { conversationId: conversation.id, stage: "qualified" } })).rejects.toMatchObject({ code: "forbidden" });

    const admin = await createStaff(h.db, { role: "admin" });
    expect((await setLeadStage({ ctx: staffCtxFor(h.db, admin), input: { conversationId: conversation.id, stage: "not_qualified" } })).result.leadStage).toBe("not_qualified");
    const manager = await createStaff(h.db, { role: "manager" });
    expect((await setLeadStage({ ctx: staffCtxFor(h.db, manager), input: { conversationId: conversation.id, stage: "qualified" } })).result.leadStage).toBe("qualified");
    expect(await stageOf(conversation.id)).toBe("qualified");
  });

  it("the chat's lead takes the same stage in the same transaction (one change, seen in the inbox and the CRM)", async () => {
    const admin = await createStaff(h.db, { role: "admin" });
    const { conversation, visitor } = await createConversation(h.db);
    await h.db.insert(leads).values({ source: "chat", projectId: conversation.projectId, conversationId: conversation.id, visitorId: visitor.id, name: visitor.name });
    const later = new Date(Date.now() + 60_000);
    await setLeadStage({ ctx: staffCtxFor(h.db, admin, later), input: { conversationId: conversation.id, stage: "qualified" } });
    const [lead] = await h.db.select().from(leads).where(eq(leads.conversationId, conversation.id));
    expect(lead.stage).toBe("qualified");
    expect(lead.updatedAt.toISOString()).toBe(later.toISOString());
    expect(await stageOf(conversation.id)).toBe("qualified");
  });

  it("returns the browser's lead event for a real change (same id as the outbox), null otherwise, and keeps a Converted deal value", async () => {
    const admin = await createStaff(h.db, { role: "admin" });
    const { conversation, visitor } = await createConversation(h.db);
    await h.db.insert(leads).values({ source: "chat", projectId: conversation.projectId, conversationId: conversation.id, visitorId: visitor.id, name: visitor.name, phone: "+16505551212" });
    const ctx = staffCtxFor(h.db, admin);
    const { leadEvent } = await setLeadStage({ ctx, input: { conversationId: conversation.id, stage: "converted", value: 99, currency: "USD" } });
    // Meta's published phone example: "+1 (650) 555-1212" hashes to e323ec62…
    expect(leadEvent).toMatchObject({ stage: "converted", agent: admin.displayName, value: 99, currency: "USD", em: null, ph: "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176" });
    const [lead] = await h.db.select().from(leads).where(eq(leads.conversationId, conversation.id));
    expect([lead.dealValue, lead.dealCurrency]).toEqual(["99.00", "USD"]);
    expect((await setLeadStage({ ctx, input: { conversationId: conversation.id, stage: "converted" } })).leadEvent).toBeNull();
    await expect(setLeadStage({ ctx, input: { conversationId: conversation.id, stage: "new", value: -1, currency: "USD" } })).rejects.toMatchObject({ name: "ZodError" });
  });

  it("validates the stage and the id", async () => {
    const admin = await createStaff(h.db, { role: "admin" });
    const { conversation } = await createConversation(h.db);
    const ctx = staffCtxFor(h.db, admin);
    await expect(setLeadStage({ ctx, input: { conversationId: conversation.id, stage: "hot" } })).rejects.toMatchObject({ name: "ZodError" });
    await expect(setLeadStage({ ctx, input: { conversationId: "abc", stage: "new" } })).rejects.toMatchObject({ name: "ZodError" });
    await expect(setLeadStage({ ctx, input: { conversationId: 2_000_000_000, stage: "new" } })).rejects.toMatchObject({ code: "not_found" });
  });
});

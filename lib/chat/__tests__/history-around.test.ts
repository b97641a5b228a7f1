import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { messages } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createConversation, createStaff, staffCtxFor, visitorCtxFor } from "../../../tests/factories";
import { listMessages, listMessagesAround, listMessagesNewer } from "../history";

let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

let seq = 0;
/** Insert visitor messages at the given instants (ms since epoch), in this order; returns their ids. */
async function seed(conversationId: number, at: number[]): Promise<number[]> {
  const rows = await h.db
    .insert(messages)
    .values(at.map((ms) => ({ conversationId, senderKind: "visitor" as const, body: `m${++seq}`, clientMsgId: `around-${seq}`, createdAt: new Date(ms) })))
    .returning({ id: messages.id });
  return rows.map((r) => r.id);
}

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const ids = (p: { messages: { id: number }[] }) => p.messages.map((m) => m.id);

describe("listMessagesAround", () => {
  it("returns N before and N after in (created_at, id) order, ties on one millisecond included", async () => {
    const { visitor, conversation } = await createConversation(h.db);
    // 3 distinct instants, then 5 messages on the same millisecond, then 3 more.
    const all = await seed(conversation.id, [T0, T0 + 1, T0 + 2, ...Array(5).fill(T0 + 3), T0 + 4, T0 + 5, T0 + 6]);
    const ctx = visitorCtxFor(h.db, visitor);
    const mid = all[5]; // the third of the five tied messages
    const page = await listMessagesAround({ ctx, input: { conversationId: conversation.id, around: mid, limit: 2 } });
    expect(ids(page)).toEqual(all.slice(3, 8));
    expect(page.olderCursor).not.toBeNull();
    expect(page.newerCursor).not.toBeNull();

    // Paging on from the window's cursors walks the rest of the chat once, without skipping a tied row.
    const older = await listMessages({ ctx, input: { conversationId: conversation.id, before: page.olderCursor!, limit: 100 } });
    const newer = await listMessagesNewer({ ctx, input: { conversationId: conversation.id, after: page.newerCursor!, limit: 100 } });
    expect([...ids(older), ...ids(page), ...ids(newer)]).toEqual(all);
    expect(older.nextCursor).toBeNull();
    expect(newer.newerCursor).toBeNull();
  });

  it("pages newer in steps across a tie without losing or repeating messages", async () => {
    const { visitor, conversation } = await createConversation(h.db);
    const all = await seed(conversation.id, [T0, ...Array(7).fill(T0 + 1), T0 + 2]);
    const ctx = visitorCtxFor(h.db, visitor);
    const first = await listMessagesAround({ ctx, input: { conversationId: conversation.id, around: all[0], limit: 1 } });
    const seen = ids(first);
    let cursor = first.newerCursor;
    while (cursor) {
      const p = await listMessagesNewer({ ctx, input: { conversationId: conversation.id, after: cursor, limit: 2 } });
      seen.push(...ids(p));
      cursor = p.newerCursor;
    }
    expect(seen).toEqual(all);
  });

  it("handles the first message of a chat: nothing older, no older cursor", async () => {
    const { visitor, conversation } = await createConversation(h.db);
    const all = await seed(conversation.id, Array.from({ length: 10 }, (_, i) => T0 + i * 1000));
    const page = await listMessagesAround({ ctx: visitorCtxFor(h.db, visitor), input: { conversationId: conversation.id, around: all[0], limit: 3 } });
    expect(ids(page)).toEqual(all.slice(0, 4));
    expect(page.olderCursor).toBeNull();
    expect(page.newerCursor).not.toBeNull();
  });

  it("handles the last message of a chat: nothing newer, no newer cursor", async () => {
    const { visitor, conversation } = await createConversation(h.db);
    const all = await seed(conversation.id, Array.from({ length: 10 }, (_, i) => T0 + i * 1000));
    const page = await listMessagesAround({ ctx: visitorCtxFor(h.db, visitor), input: { conversationId: conversation.id, around: all[9], limit: 3 } });
    expect(ids(page)).toEqual(all.slice(6));
    expect(page.newerCursor).toBeNull();
    expect(page.olderCursor).not.toBeNull();
  });

  it("returns a whole short chat with no cursors when it fits the window", async () => {
    const { visitor, conversation } = await createConversation(h.db);
    const all = await seed(conversation.id, [T0, T0 + 1, T0 + 2]);
    const page = await listMessagesAround({ ctx: visitorCtxFor(h.db, visitor), input: { conversationId: conversation.id, around: all[1] } });
    expect(ids(page)).toEqual(all);
    expect(page.olderCursor).toBeNull();
    expect(page.newerCursor).toBeNull();
  });

  it("answers an unknown id, or a message of another chat, with not_found", async () => {
    const a = await createConversation(h.db);
    const b = await createConversation(h.db, { projectId: a.projectId });
    await seed(a.conversation.id, [T0]);
    const [foreign] = await seed(b.conversation.id, [T0]);
    const ctx = visitorCtxFor(h.db, a.visitor);
    await expect(listMessagesAround({ ctx, input: { conversationId: a.conversation.id, around: foreign } })).rejects.toMatchObject({ code: "not_found" });
    await expect(listMessagesAround({ ctx, input: { conversationId: a.conversation.id, around: 987_654_321 } })).rejects.toMatchObject({ code: "not_found" });
    // Another visitor's chat, even with its own message id: the same 404 as a chat that doesn't exist.
    await expect(listMessagesAround({ ctx, input: { conversationId: b.conversation.id, around: foreign } })).rejects.toMatchObject({ code: "not_found" });
  });

  it("lets staff read the window; refuses malformed ids and cursors", async () => {
    const admin = await createStaff(h.db, { role: "admin" });
    const { conversation } = await createConversation(h.db);
    const all = await seed(conversation.id, [T0, T0 + 1]);
    const ctx = staffCtxFor(h.db, admin);
    expect(ids(await listMessagesAround({ ctx, input: { conversationId: conversation.id, around: String(all[1]) } }))).toEqual(all);
    for (const around of ["", "abc", "0", "-3", "1.5", "99999999999999999999"]) {
      await expect(listMessagesAround({ ctx, input: { conversationId: conversation.id, around } })).rejects.toMatchObject({ name: "ZodError" });
    }
    await expect(listMessagesAround({ ctx, input: { conversationId: conversation.id, around: all[0], limit: 500 } })).rejects.toMatchObject({ name: "ZodError" });
    await expect(listMessagesNewer({ ctx, input: { conversationId: conversation.id, after: "nope" } })).rejects.toMatchObject({ name: "ZodError" });
  });
});

describe("history across a visitor's chats", () => {
  it("the oldest page of a visitor's chat names their chat before it; staff and later pages don't", async () => {
    const { visitor, conversation: first } = await createConversation(h.db, { status: "closed" });
    const { conversations } = await import("../../../db/schema");
    const [second] = await h.db
      .insert(conversations)
      .values({ projectId: first.projectId, visitorId: visitor.id, visitorPhone: visitor.phone, status: "queued" })
      .returning();
    await seed(first.id, [T0, T0 + 1]);
    await seed(second.id, Array.from({ length: 35 }, (_, i) => T0 + 100 + i));
    const ctx = visitorCtxFor(h.db, visitor);
    const latest = await listMessages({ ctx, input: { conversationId: second.id } });
    expect(latest.nextCursor).not.toBeNull();
    expect(latest.previousConversationId).toBeUndefined();
    const oldest = await listMessages({ ctx, input: { conversationId: second.id, before: latest.nextCursor! } });
    expect(oldest.nextCursor).toBeNull();
    expect(oldest.previousConversationId).toBe(first.id);
    // The first chat is where the walk ends.
    expect((await listMessages({ ctx, input: { conversationId: first.id } })).previousConversationId).toBeNull();
    // Another visitor can't follow the link into this visitor's chat.
    const { visitor: stranger } = await createConversation(h.db);
    await expect(listMessages({ ctx: visitorCtxFor(h.db, stranger), input: { conversationId: first.id } })).rejects.toMatchObject({ code: "not_found" });
    // Staff read one chat at a time.
    const admin = await createStaff(h.db, { role: "admin" });
    expect((await listMessages({ ctx: staffCtxFor(h.db, admin), input: { conversationId: first.id } })).previousConversationId).toBeUndefined();
  });
});

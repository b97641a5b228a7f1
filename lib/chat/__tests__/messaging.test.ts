import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { conversations, messages } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createConversation, createProject, createStaff, staffCtxFor, visitorCtxFor } from "../../../tests/factories";
import { getConversationOrThrow } from "../access";
import { listMessages, listMessagesAfter, loadReceiptState } from "../history";
import { closeConversation } from "../close-conversation";
import { visitorCameOnline, visitorWentAway, VISITOR_OFFLINE_GRACE_MS } from "../lifecycle";
import { systemCtx } from "../../ctx";
import { setStaffConnections, sweepOfflineVisitors } from "../../routing";
import { markReceipt } from "../receipts";
import { sendMessage } from "../send-message";

let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

/** sendMessage's stored result (its effects are not published in these tests). */
const send = async (a: Parameters<typeof sendMessage>[0]) => (await sendMessage(a)).result;
const receipt = async (a: Parameters<typeof markReceipt>[0]) => (await markReceipt(a)).result;
const sweepVisitors = async (now: Date) => (await sweepOfflineVisitors({ ctx: systemCtx(h.db, "sweep", now) })).result;

const cid = (n: number) => `client-msg-${n.toString().padStart(6, "0")}`;

describe("sendMessage", () => {
  it("stores a message once per client id: a retry returns the stored row", async () => {
    const { visitor, conversation } = await createConversation(h.db);
    const ctx = visitorCtxFor(h.db, visitor);
    const first = await send({ ctx, input: { conversationId: conversation.id, clientMsgId: cid(1), body: "hello" } });
    const again = await send({ ctx, input: { conversationId: conversation.id, clientMsgId: cid(1), body: "hello" } });
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.message.id).toBe(first.message.id);
    const rows = await h.db.select().from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows).toHaveLength(1);
    const [c] = await h.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c.staffUnread).toBe(1);
    expect(c.lastMessagePreview).toBe("hello");
  });

  it("survives concurrent retries of the same client id", async () => {
    const { visitor, conversation } = await createConversation(h.db);
    const ctx = visitorCtxFor(h.db, visitor);
    const input = { conversationId: conversation.id, clientMsgId: cid(2), body: "racing" };
    const results = await Promise.all([1, 2, 3].map(() => send({ ctx, input })));
    expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
    const rows = await h.db.select().from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows).toHaveLength(1);
  });

  it("refuses empty, oversize and malformed input", async () => {
    const { visitor, conversation } = await createConversation(h.db);
    const ctx = visitorCtxFor(h.db, visitor);
    await expect(sendMessage({ ctx, input: { conversationId: conversation.id, clientMsgId: cid(3), body: "   " } })).rejects.toMatchObject({ name: "ZodError" });
    await expect(sendMessage({ ctx, input: { conversationId: conversation.id, clientMsgId: cid(3), body: "x".repeat(4001) } })).rejects.toMatchObject({ name: "ZodError" });
    await expect(sendMessage({ ctx, input: { conversationId: conversation.id, clientMsgId: "bad id!", body: "hi" } })).rejects.toMatchObject({ name: "ZodError" });
  });

  it("keeps visitors to their own conversation, and other projects out, with the same 404", async () => {
    const a = await createConversation(h.db);
    const b = await createConversation(h.db, { projectId: a.projectId });
    const other = await createConversation(h.db);
    const ctxA = visitorCtxFor(h.db, a.visitor);
    for (const target of [b.conversation.id, other.conversation.id, 999_999]) {
      await expect(sendMessage({ ctx: ctxA, input: { conversationId: target, clientMsgId: cid(4), body: "x" } })).rejects.toMatchObject({ code: "not_found" });
      await expect(listMessages({ ctx: ctxA, input: { conversationId: target } })).rejects.toMatchObject({ code: "not_found" });
    }
  });

  it("lets agents write only into chats assigned to them; QA never writes", async () => {
    const agent = await createStaff(h.db, { role: "agent" });
    const other = await createStaff(h.db, { role: "agent" });
    const qa = await createStaff(h.db, { role: "qa" });
    const admin = await createStaff(h.db, { role: "admin" });
    const { conversation } = await createConversation(h.db, { assigneeId: agent.id });
    const input = (n: number) => ({ conversationId: conversation.id, clientMsgId: cid(100 + n), body: "reply" });
    const mine = await send({ ctx: staffCtxFor(h.db, agent), input: input(1) });
    expect(mine.message.senderKind).toBe("agent");
    await expect(sendMessage({ ctx: staffCtxFor(h.db, other), input: input(2) })).rejects.toMatchObject({ code: "forbidden" });
    await expect(sendMessage({ ctx: staffCtxFor(h.db, qa), input: input(3) })).rejects.toMatchObject({ code: "forbidden" });
    const fromAdmin = await send({ ctx: staffCtxFor(h.db, admin), input: input(4) });
    expect(fromAdmin.message.senderKind).toBe("admin");
    // QA may read.
    await expect(getConversationOrThrow(staffCtxFor(h.db, qa), conversation.id)).resolves.toMatchObject({ id: conversation.id });
  });

  it("quotes only messages of the same conversation", async () => {
    const a = await createConversation(h.db);
    const b = await createConversation(h.db);
    const inB = await send({ ctx: visitorCtxFor(h.db, b.visitor), input: { conversationId: b.conversation.id, clientMsgId: cid(5), body: "b" } });
    const ctxA = visitorCtxFor(h.db, a.visitor);
    const first = await send({ ctx: ctxA, input: { conversationId: a.conversation.id, clientMsgId: cid(6), body: "original" } });
    const reply = await send({ ctx: ctxA, input: { conversationId: a.conversation.id, clientMsgId: cid(7), body: "re", replyToId: first.message.id } });
    expect(reply.message.replyTo).toMatchObject({ id: first.message.id, excerpt: "original" });
    await expect(
      sendMessage({ ctx: ctxA, input: { conversationId: a.conversation.id, clientMsgId: cid(8), body: "re", replyToId: inB.message.id } }),
    ).rejects.toMatchObject({ code: "bad_request" });
  });

  it("a visitor message on a closed chat starts a fresh queued chat; staff cannot write into it", async () => {
    const agent = await createStaff(h.db, { role: "agent" });
    const { visitor, conversation } = await createConversation(h.db, { assigneeId: agent.id });
    await closeConversation({ ctx: staffCtxFor(h.db, agent), input: { conversationId: conversation.id } });
    await expect(
      sendMessage({ ctx: staffCtxFor(h.db, agent), input: { conversationId: conversation.id, clientMsgId: cid(9), body: "late" } }),
    ).rejects.toMatchObject({ code: "conflict" });
    const ctx = visitorCtxFor(h.db, visitor);
    const res = await send({ ctx, input: { conversationId: conversation.id, clientMsgId: cid(10), body: "back again" } });
    expect(res.movedFrom).toBe(conversation.id);
    expect(res.message.conversationId).not.toBe(conversation.id);
    const [fresh] = await h.db.select().from(conversations).where(eq(conversations.id, res.message.conversationId));
    expect(fresh).toMatchObject({ status: "queued", visitorId: visitor.id, assigneeId: null });
    // Retrying the same client id against the old chat id returns the same message.
    const retry = await send({ ctx, input: { conversationId: conversation.id, clientMsgId: cid(10), body: "back again" } });
    expect(retry).toMatchObject({ duplicate: true, message: { id: res.message.id } });
  });
});

describe("receipts", () => {
  it("moves watermarks forward only, marks rows, and resets the agent's unread count on read", async () => {
    const agent = await createStaff(h.db, { role: "agent" });
    const { visitor, conversation } = await createConversation(h.db, { assigneeId: agent.id });
    const vctx = visitorCtxFor(h.db, visitor);
    const m1 = await send({ ctx: vctx, input: { conversationId: conversation.id, clientMsgId: cid(20), body: "one" } });
    const m2 = await send({ ctx: vctx, input: { conversationId: conversation.id, clientMsgId: cid(21), body: "two" } });
    const actx = staffCtxFor(h.db, agent);
    expect(await receipt({ ctx: actx, input: { conversationId: conversation.id, upToId: m1.message.id, kind: "delivered" } })).toMatchObject({
      side: "visitor",
      kind: "delivered",
      upToId: m1.message.id,
    });
    // Not forward: nothing to publish.
    expect(await receipt({ ctx: actx, input: { conversationId: conversation.id, upToId: m1.message.id, kind: "delivered" } })).toBeNull();
    const read = await receipt({ ctx: actx, input: { conversationId: conversation.id, upToId: m2.message.id, kind: "read" } });
    expect(read).toMatchObject({ kind: "read", upToId: m2.message.id });
    const state = await loadReceiptState(actx, conversation.id);
    expect(state).toMatchObject({ visitorMsgsDeliveredUpTo: m2.message.id, visitorMsgsReadUpTo: m2.message.id, staffMsgsReadUpTo: 0 });
    const rows = await h.db.select().from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows.every((r) => r.readAt && r.deliveredAt)).toBe(true);
    const [c] = await h.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c.staffUnread).toBe(0);
  });

  it("ignores receipts from watchers (QA) and clamps ids past the end", async () => {
    const agent = await createStaff(h.db, { role: "agent" });
    const qa = await createStaff(h.db, { role: "qa" });
    const { visitor, conversation } = await createConversation(h.db, { assigneeId: agent.id });
    const sent = await send({ ctx: staffCtxFor(h.db, agent), input: { conversationId: conversation.id, clientMsgId: cid(30), body: "hi" } });
    expect(await receipt({ ctx: staffCtxFor(h.db, qa), input: { conversationId: conversation.id, upToId: 10 ** 9, kind: "read" } })).toBeNull();
    const r = await receipt({ ctx: visitorCtxFor(h.db, visitor), input: { conversationId: conversation.id, upToId: 10 ** 9, kind: "read" } });
    expect(r).toMatchObject({ side: "staff", upToId: sent.message.id });
  });
});

describe("history", () => {
  it("pages 30 at a time by (created_at, id), stable when timestamps are equal", async () => {
    const { visitor, conversation } = await createConversation(h.db);
    const at = new Date("2026-01-01T00:00:00.000Z");
    // 75 messages sharing 3 timestamps: keyset must neither skip nor repeat.
    await h.db.insert(messages).values(
      Array.from({ length: 75 }, (_, i) => ({
        conversationId: conversation.id,
        senderKind: "visitor" as const,
        body: `m${i}`,
        clientMsgId: cid(1000 + i),
        createdAt: new Date(at.getTime() + Math.floor(i / 25) * 1000),
      })),
    );
    const ctx = visitorCtxFor(h.db, visitor);
    const seen: string[] = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const page = await listMessages({ ctx, input: { conversationId: conversation.id, before } });
      expect(page.messages.length).toBeLessThanOrEqual(30);
      seen.unshift(...page.messages.map((m) => m.body));
      before = page.nextCursor ?? undefined;
      pages++;
    } while (before);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 75 }, (_, i) => `m${i}`));
    const after = await listMessagesAfter(ctx, conversation.id, 0);
    expect(after.messages.map((m) => m.body)).toEqual(seen);
  });

  it("rejects a malformed cursor with a validation error", async () => {
    const { visitor, conversation } = await createConversation(h.db);
    await expect(listMessages({ ctx: visitorCtxFor(h.db, visitor), input: { conversationId: conversation.id, before: "1;drop" } })).rejects.toMatchObject({
      name: "ZodError",
    });
  });
});

describe("visitor offline sweeper (15 s grace)", () => {
  it("leaves a chat active at 15 s and marks it offline after; a return wakes it", async () => {
    const agent = await createStaff(h.db, { role: "agent" });
    const { conversation } = await createConversation(h.db, { assigneeId: agent.id, status: "active" });
    const t0 = new Date("2026-03-01T10:00:00.000Z");
    // The agent is online (their console connected), so the chat parks with them.
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "t", connections: 1, now: new Date(t0.getTime() + 10_000) });
    await visitorWentAway(systemCtx(h.db, "ws", t0), conversation.id);
    const at = (ms: number) => new Date(t0.getTime() + ms);
    expect((await sweepVisitors(at(VISITOR_OFFLINE_GRACE_MS - 1))).map((r) => r.conversationId)).not.toContain(conversation.id);
    const [still] = await h.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(still.status).toBe("active");
    expect(await sweepVisitors(at(VISITOR_OFFLINE_GRACE_MS + 1))).toContainEqual({
      conversationId: conversation.id,
      previousAgentId: agent.id,
      status: "offline",
    });
    const [off] = await h.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(off.status).toBe("offline");
    expect(await visitorCameOnline(systemCtx(h.db, "ws", at(60_000)), conversation.id)).toMatchObject({ event: "visitorReturned", from: "offline", to: "active" });
    const [back] = await h.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(back).toMatchObject({ status: "active", visitorOfflineSince: null });
  });

  it("a tab switch shorter than the grace changes nothing", async () => {
    const agent = await createStaff(h.db, { role: "agent" });
    const { conversation } = await createConversation(h.db, { assigneeId: agent.id, status: "active" });
    const t0 = new Date("2026-03-01T11:00:00.000Z");
    await visitorWentAway(systemCtx(h.db, "ws", t0), conversation.id);
    await visitorCameOnline(systemCtx(h.db, "ws", new Date(t0.getTime() + 5_000)), conversation.id);
    expect((await sweepVisitors(new Date(t0.getTime() + 60_000))).map((r) => r.conversationId)).not.toContain(conversation.id);
  });

  it("a visitor message wakes an offline chat", async () => {
    const agent = await createStaff(h.db, { role: "agent" });
    const { visitor, conversation } = await createConversation(h.db, { assigneeId: agent.id, status: "offline" });
    const res = await send({ ctx: visitorCtxFor(h.db, visitor), input: { conversationId: conversation.id, clientMsgId: cid(40), body: "I'm back" } });
    expect(res.conversationChanged).toBe(true);
    const [c] = await h.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c.status).toBe("active");
  });

  it("only staff with close permission close chats; agents only their own", async () => {
    const agent = await createStaff(h.db, { role: "agent" });
    const other = await createStaff(h.db, { role: "agent" });
    const qa = await createStaff(h.db, { role: "qa" });
    const project = await createProject(h.db);
    const { conversation } = await createConversation(h.db, { assigneeId: agent.id, projectId: project.id });
    await expect(closeConversation({ ctx: staffCtxFor(h.db, qa), input: { conversationId: conversation.id } })).rejects.toMatchObject({ code: "forbidden" });
    await expect(closeConversation({ ctx: staffCtxFor(h.db, other), input: { conversationId: conversation.id } })).rejects.toMatchObject({ code: "forbidden" });
    expect((await closeConversation({ ctx: staffCtxFor(h.db, agent), input: { conversationId: conversation.id } })).result).toMatchObject({ changed: true });
  });
});

describe("agent read scope", () => {
  it("agents read their own chats, the queue and teammates' open chats — not teammates' closed chats", async () => {
    const me = await createStaff(h.db, { role: "agent" });
    const mate = await createStaff(h.db, { role: "agent" });
    const project = await createProject(h.db);
    const ctx = staffCtxFor(h.db, me);
    const queued = (await createConversation(h.db, { projectId: project.id })).conversation;
    const matesOpen = (await createConversation(h.db, { projectId: project.id, assigneeId: mate.id, status: "offline" })).conversation;
    const matesClosed = (await createConversation(h.db, { projectId: project.id, assigneeId: mate.id, status: "closed" })).conversation;
    const mineClosed = (await createConversation(h.db, { projectId: project.id, assigneeId: me.id, status: "closed" })).conversation;
    for (const c of [queued, matesOpen, mineClosed]) await expect(getConversationOrThrow(ctx, c.id)).resolves.toMatchObject({ id: c.id });
    await expect(getConversationOrThrow(ctx, matesClosed.id)).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("ids out of range", () => {
  it("are validation errors, not database errors", async () => {
    const { visitor } = await createConversation(h.db);
    const ctx = visitorCtxFor(h.db, visitor);
    await expect(listMessages({ ctx, input: { conversationId: 2 ** 31 } })).rejects.toMatchObject({ name: "ZodError" });
    await expect(sendMessage({ ctx, input: { conversationId: 2 ** 40, clientMsgId: cid(50), body: "x" } })).rejects.toMatchObject({ name: "ZodError" });
    await expect(listMessages({ ctx, input: { conversationId: 1, before: `1700000000000.${2 ** 60}` } })).rejects.toMatchObject({ name: "ZodError" });
  });
});

describe("prevId chain", () => {
  it("links each new message to the one before it in the same chat, across senders", async () => {
    const agent = await createStaff(h.db, { role: "agent" });
    const { visitor, conversation } = await createConversation(h.db, { assigneeId: agent.id });
    const other = await createConversation(h.db);
    const m1 = await send({ ctx: visitorCtxFor(h.db, visitor), input: { conversationId: conversation.id, clientMsgId: cid(60), body: "1" } });
    // A message elsewhere in between must not break this chat's chain.
    await send({ ctx: visitorCtxFor(h.db, other.visitor), input: { conversationId: other.conversation.id, clientMsgId: cid(61), body: "x" } });
    const m2 = await send({ ctx: staffCtxFor(h.db, agent), input: { conversationId: conversation.id, clientMsgId: cid(62), body: "2" } });
    expect(m1.message.prevId).toBe(0);
    expect(m2.message.prevId).toBe(m1.message.id);
  });
});

describe("one open chat per visitor", () => {
  it("two tabs writing into the same closed chat at once land in one fresh chat", async () => {
    const agent = await createStaff(h.db, { role: "agent" });
    const { visitor, conversation } = await createConversation(h.db, { assigneeId: agent.id });
    await closeConversation({ ctx: staffCtxFor(h.db, agent), input: { conversationId: conversation.id } });
    const ctx = visitorCtxFor(h.db, visitor);
    const [a, b] = await Promise.all([
      send({ ctx, input: { conversationId: conversation.id, clientMsgId: cid(70), body: "tab one" } }),
      send({ ctx, input: { conversationId: conversation.id, clientMsgId: cid(71), body: "tab two" } }),
    ]);
    expect(a.message.conversationId).toBe(b.message.conversationId);
    expect(a.message.conversationId).not.toBe(conversation.id);
    const open = await h.db.select().from(conversations).where(eq(conversations.visitorId, visitor.id));
    expect(open.filter((c) => c.status !== "closed")).toHaveLength(1);
  });
});

import { and, desc, eq, ne, sql } from "drizzle-orm";
import { z } from "zod";
import { attachments, conversations, messages, visitors } from "../../db/schema";
import { withTransaction, type Ctx } from "../ctx";
import { effects, type VerbResult } from "../verb";
import { can } from "../auth/permissions";
import { AppError } from "../errors";
import { MAX_BODY_CHARS } from "../constants";
import type { MessageDTO, SenderKind } from "../wire";
import { getConversationOrThrow, type Conversation } from "./access";
import { loadMessageDTO, messagePreview } from "./dto";
import { nextStatus, transition } from "./lifecycle";
import { BigId, DbId } from "../validation";

export const SendMessageInput = z
  .object({
    conversationId: DbId,
    clientMsgId: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/),
    body: z.string().max(MAX_BODY_CHARS).transform((s) => s.trim()),
    replyToId: BigId.optional(),
    attachmentId: DbId.optional(),
  })
  .refine((v) => v.body.length > 0 || v.attachmentId !== undefined, { message: "Message is empty.", path: ["body"] });
export type SendMessageInput = z.input<typeof SendMessageInput>;

export type SendMessageResult = {
  message: MessageDTO;
  /** True when this clientMsgId was already stored: nothing new happened. */
  duplicate: boolean;
  /** Set when a visitor wrote into a closed chat and a fresh one was started. */
  movedFrom?: number;
  /** The conversation row changed in a way inbox views care about (status, new chat). */
  conversationChanged: boolean;
  /** The chat's owner after this message (whose inbox hears about it). */
  assigneeId: number | null;
};

function senderKindOf(ctx: Ctx): SenderKind {
  const a = ctx.actor;
  if (a.type === "visitor") return "visitor";
  if (a.type === "system") return a.job === "ai" ? "ai" : "system";
  if (a.type === "anonymous") throw new AppError("forbidden", "Start a chat first.");
  return can(a, "chat.reply_any") ? "admin" : "agent";
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === "23505" || e?.cause?.code === "23505";
}

async function findByClientId(ctx: Ctx, conversationId: number, clientMsgId: string) {
  if (ctx.actor.type === "visitor") {
    // A retry may arrive after the message moved the visitor to a fresh chat.
    const [row] = await ctx.db
      .select({ id: messages.id })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(and(eq(conversations.visitorId, ctx.actor.visitorId), eq(messages.clientMsgId, clientMsgId)))
      .limit(1);
    return row?.id;
  }
  const [row] = await ctx.db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.clientMsgId, clientMsgId)))
    .limit(1);
  return row?.id;
}

/**
 * Store a message exactly once. A retried `clientMsgId` returns the stored
 * message. The caller acknowledges (✓) only after this returns, i.e. after
 * commit, and then publishes. A visitor writing into a closed chat starts a
 * fresh one; a visitor writing into an offline chat wakes it.
 */
export async function sendMessage({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<VerbResult<SendMessageResult>> {
  const r = await storeMessage(ctx, input);
  if (r.duplicate) return { result: r, effects: effects() };
  const convId = r.message.conversationId;
  return {
    result: r,
    effects: effects({
      messages: [{ message: r.message, assigneeId: r.assigneeId }],
      // The visitor's chat had ended: every tab of theirs follows to the new one, which is routed now.
      chatFrames: r.movedFrom ? [{ type: "moved", fromConversationId: r.movedFrom, toConversationId: convId }] : [],
      conversations: r.conversationChanged ? [{ id: convId }] : [],
      drain: r.movedFrom !== undefined,
    }),
  };
}

async function storeMessage(ctx: Ctx, input: unknown): Promise<SendMessageResult> {
  const data = SendMessageInput.parse(input);
  const original = await getConversationOrThrow(ctx, data.conversationId, "write");

  const existing = await findByClientId(ctx, original.id, data.clientMsgId);
  if (existing) {
    return { message: await loadMessageDTO(ctx.db, existing), duplicate: true, conversationChanged: false, assigneeId: original.assigneeId };
  }

  const kind = senderKindOf(ctx);
  if (original.status === "closed" && kind !== "visitor") {
    throw new AppError("conflict", "This chat is closed.");
  }

  try {
    const result = await withTransaction(ctx, async (t) => {
      const tx = t.db;
      let conv: Conversation = original;
      let movedFrom: number | undefined;
      let conversationChanged = false;
      if (original.status === "closed") {
        // One visitor, one open chat: lock the visitor, and if another tab (or a
        // racing retry) already started the fresh chat, write into that one.
        await tx.select({ id: visitors.id }).from(visitors).where(eq(visitors.id, original.visitorId)).for("update");
        const [open] = await tx
          .select()
          .from(conversations)
          .where(and(eq(conversations.visitorId, original.visitorId), ne(conversations.status, "closed")))
          .orderBy(desc(conversations.createdAt))
          .limit(1);
        if (open) {
          conv = open;
          movedFrom = original.id;
        }
      }
      if (original.status === "closed" && !movedFrom) {
        const [fresh] = await tx
          .insert(conversations)
          .values({
            projectId: original.projectId,
            visitorId: original.visitorId,
            attributionId: original.attributionId,
            visitorPhone: original.visitorPhone,
            ip: original.ip,
            status: "queued",
            queuedAt: ctx.now,
            lastMessageAt: ctx.now,
            createdAt: ctx.now,
            // This socket is joined to the old chat: the client joins the new one after "moved".
            visitorOfflineSince: ctx.now,
          })
          .returning();
        conv = fresh;
        movedFrom = original.id;
        conversationChanged = true;
      }

      let replyToId: number | null = null;
      if (data.replyToId && !movedFrom) {
        const [r] = await tx
          .select({ id: messages.id })
          .from(messages)
          .where(and(eq(messages.id, data.replyToId), eq(messages.conversationId, conv.id)))
          .limit(1);
        if (!r) throw new AppError("bad_request", "The quoted message is not in this chat.");
        replyToId = r.id;
      }
      if (data.attachmentId) {
        const [a] = await tx
          .select({ id: attachments.id })
          .from(attachments)
          .where(and(eq(attachments.id, data.attachmentId), eq(attachments.conversationId, original.id)))
          .limit(1);
        if (!a) throw new AppError("bad_request", "Unknown attachment.");
        if (movedFrom) await tx.update(attachments).set({ conversationId: conv.id }).where(eq(attachments.id, a.id));
      }

      // Updating the conversation first takes its row lock, so inserts into one
      // chat commit in id order and "everything after id N" never misses a row.
      const preview = messagePreview(data);
      const [updated] = await tx
        .update(conversations)
        .set({
          lastMessageAt: ctx.now,
          lastMessagePreview: preview,
          ...(kind === "visitor" ? { staffUnread: sql`${conversations.staffUnread} + 1`, visitorLastSeenAt: ctx.now } : {}),
        })
        .where(eq(conversations.id, conv.id))
        .returning({ assigneeId: conversations.assigneeId, status: conversations.status });
      // A visitor writing is a visitor who is back: an offline chat wakes up with its agent.
      if (kind === "visitor" && nextStatus(updated.status, "visitorReturned", { visitorPresent: true, canPark: true })) {
        if (await transition(t, { conversationId: conv.id, event: "visitorReturned", expect: updated })) conversationChanged = true;
      }

      // Under the conversation's row lock: exactly the chat's newest message before this one.
      const prev = await tx
        .select({ id: messages.id })
        .from(messages)
        .where(eq(messages.conversationId, conv.id))
        .orderBy(desc(messages.conversationId), desc(messages.id))
        .limit(1);
      const [m] = await tx
        .insert(messages)
        .values({
          conversationId: conv.id,
          senderKind: kind,
          senderId: ctx.actor.type === "staff" ? ctx.actor.userId : null,
          body: data.body,
          clientMsgId: data.clientMsgId,
          replyToId,
          attachmentId: data.attachmentId ?? null,
          createdAt: ctx.now,
        })
        .returning({ id: messages.id });
      // Read back before the commit: after it, the ack needs no query that a lost connection could
      // fail. (A send that failed after storing is retried as a duplicate, which publishes nothing.)
      const message: MessageDTO = { ...(await loadMessageDTO(tx, m.id)), prevId: prev[0]?.id ?? 0 };
      return { message, movedFrom, conversationChanged, assigneeId: updated.assigneeId };
    });
    return {
      message: result.message,
      duplicate: false,
      movedFrom: result.movedFrom,
      conversationChanged: result.conversationChanged,
      assigneeId: result.assigneeId,
    };
  } catch (err) {
    // Two copies of one retry raced: the loser returns the winner's row.
    if (isUniqueViolation(err)) {
      const id = await findByClientId(ctx, original.id, data.clientMsgId);
      if (id) return { message: await loadMessageDTO(ctx.db, id), duplicate: true, conversationChanged: false, assigneeId: original.assigneeId };
    }
    throw err;
  }
}

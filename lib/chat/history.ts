import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { conversations, messages } from "../../db/schema";
import type { Ctx } from "../ctx";
import type { MessageDTO, ReceiptState } from "../wire";
import { getConversationOrThrow } from "./access";
import { loadMessageDTOs } from "./dto";
import { BigId, DbId, keysetCursor } from "../validation";
import { AppError } from "../errors";

import { MESSAGE_PAGE_SIZE as PAGE_SIZE } from "../constants";
export { PAGE_SIZE };
const SYNC_LIMIT = 200;

/** Opaque keyset cursor "<createdAt ms>.<id>": stable when timestamps are equal. */
export function encodeCursor(m: { createdAt: string; id: number }): string {
  return `${new Date(m.createdAt).getTime()}.${m.id}`;
}

const Cursor = keysetCursor(Number.MAX_SAFE_INTEGER);

export const ListMessagesInput = z.object({
  conversationId: DbId,
  before: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(PAGE_SIZE),
});

/**
 * A page of history, oldest first: the last 30 on open, then 30 older per
 * call. Keyset on (created_at, id) over the ascending index, so a 50,000-message
 * chat opens like a 30-message one.
 */
export async function listMessages({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<MessagePage> {
  const data = ListMessagesInput.parse(input);
  const c = await getConversationOrThrow(ctx, data.conversationId, "read");
  const page = await readMessagePage(ctx.db, data.conversationId, data.before, data.limit);
  if (page.nextCursor !== null || ctx.actor.type !== "visitor") return page;
  // A visitor scrolling past the start of this chat carries on into their chat before it.
  const [prev] = await ctx.db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.visitorId, c.visitorId), lt(conversations.id, c.id)))
    .orderBy(desc(conversations.id))
    .limit(1);
  return { ...page, previousConversationId: prev?.id ?? null };
}

export type MessagePage = {
  messages: MessageDTO[];
  nextCursor: string | null;
  /** Visitors, on the oldest page of a chat: their chat before this one (history across chats), or null. */
  previousConversationId?: number | null;
};

/** One page (oldest first) for a caller that has already authorized the actor on this conversation. */
export async function readMessagePage(
  db: Ctx["db"],
  conversationId: number,
  before: { at: Date; id: number } | undefined,
  limit = PAGE_SIZE,
): Promise<MessagePage> {
  const where = before
    ? and(
        eq(messages.conversationId, conversationId),
        sql`(${messages.createdAt}, ${messages.id}) < (${before.at.toISOString()}::timestamptz, ${before.id})`,
      )
    : eq(messages.conversationId, conversationId);
  const rows = await loadMessageDTOs(db, where, [desc(messages.createdAt), desc(messages.id)], limit + 1);
  const more = rows.length > limit;
  const page = rows.slice(0, limit).reverse();
  return { messages: page, nextCursor: more && page.length ? encodeCursor(page[0]) : null };
}

export const ListMessagesAfterInput = z.object({
  conversationId: DbId,
  after: Cursor,
  limit: z.coerce.number().int().min(1).max(100).default(PAGE_SIZE),
});

export type NewerPage = { messages: MessageDTO[]; newerCursor: string | null };

/**
 * A page of newer history after a cursor, oldest first: scrolling down from a
 * quote-jump window towards the live tail. `newerCursor` is null once the page
 * reaches the newest message.
 */
export async function listMessagesNewer({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<NewerPage> {
  const data = ListMessagesAfterInput.parse(input);
  await getConversationOrThrow(ctx, data.conversationId, "read");
  const rows = await loadMessageDTOs(
    ctx.db,
    and(
      eq(messages.conversationId, data.conversationId),
      sql`(${messages.createdAt}, ${messages.id}) > (${data.after.at.toISOString()}::timestamptz, ${data.after.id})`,
    ),
    [asc(messages.createdAt), asc(messages.id)],
    data.limit + 1,
  );
  const page = rows.slice(0, data.limit);
  return { messages: page, newerCursor: rows.length > data.limit && page.length ? encodeCursor(page.at(-1)!) : null };
}

export const ListMessagesAroundInput = z.object({
  conversationId: DbId,
  around: BigId,
  limit: z.coerce.number().int().min(1).max(100).default(PAGE_SIZE),
});

export type AroundPage = { messages: MessageDTO[]; olderCursor: string | null; newerCursor: string | null };

/**
 * The window around one message (a quote jump far back): up to `limit`
 * messages before it, the message, and up to `limit` after, oldest first, in
 * (created_at, id) order so messages of the same millisecond keep their place.
 * `olderCursor` pages on with `before`, `newerCursor` with `after`; each is
 * null at that end of the chat. A message of another chat is the same 404 as
 * one that doesn't exist.
 */
export async function listMessagesAround({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<AroundPage> {
  const data = ListMessagesAroundInput.parse(input);
  await getConversationOrThrow(ctx, data.conversationId, "read");
  const [target] = await ctx.db
    .select({ id: messages.id, createdAt: messages.createdAt })
    .from(messages)
    .where(and(eq(messages.conversationId, data.conversationId), eq(messages.id, data.around)))
    .limit(1);
  if (!target) throw new AppError("not_found", "Message not found.");
  const at = sql`(${target.createdAt.toISOString()}::timestamptz, ${target.id})`;
  const inChat = eq(messages.conversationId, data.conversationId);
  const [olderRows, fromRows] = await Promise.all([
    loadMessageDTOs(ctx.db, and(inChat, sql`(${messages.createdAt}, ${messages.id}) < ${at}`), [desc(messages.createdAt), desc(messages.id)], data.limit + 1),
    // The target itself and what follows it.
    loadMessageDTOs(ctx.db, and(inChat, sql`(${messages.createdAt}, ${messages.id}) >= ${at}`), [asc(messages.createdAt), asc(messages.id)], data.limit + 2),
  ]);
  const older = olderRows.slice(0, data.limit).reverse();
  const newer = fromRows.slice(0, data.limit + 1);
  const window = [...older, ...newer];
  return {
    messages: window,
    olderCursor: olderRows.length > data.limit && older.length ? encodeCursor(older[0]) : null,
    newerCursor: fromRows.length > data.limit + 1 ? encodeCursor(newer.at(-1)!) : null,
  };
}

/** Everything after the last id a client saw (reconnect catch-up), oldest first; the caller has authorized the actor. */
export async function listMessagesAfter(ctx: Ctx, conversationId: number, afterId: number) {
  const rows = await loadMessageDTOs(
    ctx.db,
    and(eq(messages.conversationId, conversationId), gt(messages.id, afterId)),
    // Both index columns, so the planner uses (conversation_id, id) rather than filtering the primary key.
    [asc(messages.conversationId), asc(messages.id)],
    SYNC_LIMIT + 1,
  );
  return { messages: rows.slice(0, SYNC_LIMIT), more: rows.length > SYNC_LIMIT };
}

export async function loadReceiptState(ctx: Ctx, conversationId: number): Promise<ReceiptState> {
  const [r] = await ctx.db
    .select({
      visitorMsgsDeliveredUpTo: conversations.visitorMsgsDeliveredUpTo,
      visitorMsgsReadUpTo: conversations.visitorMsgsReadUpTo,
      staffMsgsDeliveredUpTo: conversations.staffMsgsDeliveredUpTo,
      staffMsgsReadUpTo: conversations.staffMsgsReadUpTo,
    })
    .from(conversations)
    .where(eq(conversations.id, conversationId));
  return r;
}

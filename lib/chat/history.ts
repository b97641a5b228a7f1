import { and, asc, desc, eq, gt, sql } from "drizzle-orm";
import { z } from "zod";
import { conversations, messages } from "../../db/schema";
import type { Ctx } from "../ctx";
import type { MessageDTO, ReceiptState } from "../wire";
import { getConversationOrThrow } from "./access";
import { loadMessageDTOs } from "./dto";
import { DbId, keysetCursor } from "../validation";

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
  await getConversationOrThrow(ctx, data.conversationId, "read");
  return readMessagePage(ctx.db, data.conversationId, data.before, data.limit);
}

export type MessagePage = { messages: MessageDTO[]; nextCursor: string | null };

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

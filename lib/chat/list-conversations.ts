import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { keysetCursor } from "../validation";
import { conversations } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { assertCan } from "../auth/permissions";
import type { ConversationDTO } from "../wire";
import { loadConversationDTOs } from "./dto";

const Cursor = keysetCursor(2_147_483_647);

export const ListConversationsInput = z.object({
  status: z.enum(["queued", "active", "offline", "closed"]).optional(),
  after: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/**
 * All conversations, most recent activity first (keyset on last_message_at, id),
 * for roles that see every chat.
 */
export async function listAllConversations({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<{ items: ConversationDTO[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "chat.view_all");
  const data = ListConversationsInput.parse(input);
  const where: SQL[] = [];
  if (data.status) where.push(eq(conversations.status, data.status));
  if (data.after) {
    where.push(sql`(${conversations.lastMessageAt}, ${conversations.id}) < (${data.after.at.toISOString()}::timestamptz, ${data.after.id})`);
  }
  const rows = await ctx.db
    .select({ id: conversations.id, lastMessageAt: conversations.lastMessageAt })
    .from(conversations)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(conversations.lastMessageAt), desc(conversations.id))
    .limit(data.limit + 1);
  const page = rows.slice(0, data.limit);
  const dtos = await loadConversationDTOs(ctx.db, page.map((r) => r.id));
  const byId = new Map(dtos.map((d) => [d.id, d]));
  const last = page.at(-1);
  return {
    items: page.map((r) => byId.get(r.id)!),
    nextCursor: rows.length > data.limit && last ? `${last.lastMessageAt.getTime()}.${last.id}` : null,
  };
}

import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { conversations, conversationStatus } from "../../db/schema";
import { assertCan } from "../auth/permissions";
import { loadConversationDTOs } from "../chat/dto";
import type { StaffCtx } from "../ctx";
import { DbId, keysetCursor } from "../validation";
import { AI_AGENT } from "./chats-filters";
import type { ConversationDTO } from "../wire";

/** `<last_message_at ms>.<id>` of the last row of the previous page (the agent inbox's cursor). */
const Cursor = keysetCursor(2_147_483_647);

/** A URL parameter left empty ("All") is the same as one not sent. */
const optional = <T extends z.ZodType>(t: T) => z.preprocess((v) => (v === "" || v === null ? undefined : v), t.optional());


export const QaListInput = z.object({
  /** An agent's id, or `ai` for the chats the AI holds (the AI as a virtual agent: QA grades bot-handled chats). */
  agent: optional(z.union([z.literal(AI_AGENT), DbId], { error: "Agent must be an agent's id or “ai”." })),
  status: optional(z.enum(conversationStatus.enumValues, { error: "Unknown status." })),
  after: optional(Cursor),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
export type QaListInput = z.input<typeof QaListInput>;
export type QaListPage = { items: ConversationDTO[]; nextCursor: string | null };

/**
 * Every conversation for the read-only QA console, most recent activity
 * first, keyset on (last_message_at DESC, id DESC) exactly like the agent
 * inbox, so the browser merges live frames into it with the same rules.
 * Filters: the assigned agent (or the AI) and the status.
 */
export async function listQaConversations({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<QaListPage> {
  assertCan(ctx.actor, "chat.view_all");
  const data = QaListInput.parse(input);
  const c = conversations;
  const where: SQL[] = [];
  if (data.agent === AI_AGENT) where.push(eq(c.assignedToAi, true));
  else if (data.agent !== undefined) where.push(eq(c.assigneeId, data.agent));
  if (data.status) where.push(eq(c.status, data.status));
  if (data.after) where.push(sql`(${c.lastMessageAt}, ${c.id}) < (${data.after.at.toISOString()}::timestamptz, ${data.after.id})`);

  const rows = await ctx.db
    .select({ id: c.id, lastMessageAt: c.lastMessageAt })
    .from(c)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(c.lastMessageAt), desc(c.id))
    .limit(data.limit + 1);
  const page = rows.slice(0, data.limit);
  const byId = new Map((await loadConversationDTOs(ctx.db, page.map((r) => r.id))).map((d) => [d.id, d]));
  const last = page.at(-1);
  return {
    items: page.map((r) => byId.get(r.id)!),
    nextCursor: rows.length > data.limit && last ? `${last.lastMessageAt.getTime()}.${last.id}` : null,
  };
}

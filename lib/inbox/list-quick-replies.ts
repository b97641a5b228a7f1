import { asc, eq } from "drizzle-orm";
import { quickReplies } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { assertCan } from "../auth/permissions";
import { toQuickReplyDTO, type QuickReplyDTO } from "./quick-reply";

/** The acting user's quick replies, in the order they were added. */
export async function listQuickReplies({ ctx }: { ctx: StaffCtx }): Promise<{ items: QuickReplyDTO[] }> {
  assertCan(ctx.actor, "chat.reply");
  const rows = await ctx.db
    .select()
    .from(quickReplies)
    .where(eq(quickReplies.userId, ctx.actor.userId))
    .orderBy(asc(quickReplies.position), asc(quickReplies.id));
  return { items: rows.map(toQuickReplyDTO) };
}

import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { quickReplies } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { assertCan } from "../auth/permissions";
import { AppError } from "../errors";
import { QuickReplyId } from "./quick-reply";

export const DeleteQuickReplyInput = z.object({ id: QuickReplyId });

/** Delete one of the acting user's quick replies; someone else's is `not_found`. */
export async function deleteQuickReply({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<{ id: number; deleted: true }> {
  assertCan(ctx.actor, "chat.reply");
  const data = DeleteQuickReplyInput.parse(input);
  const rows = await ctx.db
    .delete(quickReplies)
    .where(and(eq(quickReplies.id, data.id), eq(quickReplies.userId, ctx.actor.userId)))
    .returning({ id: quickReplies.id });
  if (rows.length === 0) throw new AppError("not_found", "Quick reply not found.");
  return { id: data.id, deleted: true };
}

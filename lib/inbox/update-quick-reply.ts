import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { quickReplies } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { assertCan } from "../auth/permissions";
import { AppError } from "../errors";
import { QuickReplyBody, QuickReplyId, toQuickReplyDTO, type QuickReplyDTO } from "./quick-reply";

export const UpdateQuickReplyInput = z.object({ id: QuickReplyId, body: QuickReplyBody });

/** Edit one of the acting user's quick replies; someone else's is `not_found`. */
export async function updateQuickReply({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<QuickReplyDTO> {
  assertCan(ctx.actor, "chat.reply");
  const data = UpdateQuickReplyInput.parse(input);
  const [row] = await ctx.db
    .update(quickReplies)
    .set({ body: data.body })
    .where(and(eq(quickReplies.id, data.id), eq(quickReplies.userId, ctx.actor.userId)))
    .returning();
  if (!row) throw new AppError("not_found", "Quick reply not found.");
  return toQuickReplyDTO(row);
}

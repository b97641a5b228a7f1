import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { quickReplies, users } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { assertCan } from "../auth/permissions";
import { AppError } from "../errors";
import { MAX_QUICK_REPLIES, QuickReplyBody, toQuickReplyDTO, type QuickReplyDTO } from "./quick-reply";

export const CreateQuickReplyInput = z.object({ body: QuickReplyBody });

/**
 * Save a canned reply for the acting user; the sixth is refused (409). The
 * user's row is locked while counting so two tabs adding at once can't both
 * take the last slot.
 */
export async function createQuickReply({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<QuickReplyDTO> {
  assertCan(ctx.actor, "chat.reply");
  const data = CreateQuickReplyInput.parse(input);
  const me = ctx.actor.userId;
  return ctx.db.transaction(async (tx) => {
    await tx.select({ id: users.id }).from(users).where(eq(users.id, me)).for("update");
    const [{ n, maxPos }] = await tx
      .select({ n: sql<number>`count(*)`.mapWith(Number), maxPos: sql<number>`coalesce(max(${quickReplies.position}), -1)`.mapWith(Number) })
      .from(quickReplies)
      .where(eq(quickReplies.userId, me));
    if (n >= MAX_QUICK_REPLIES) {
      throw new AppError("conflict", `You can save up to ${MAX_QUICK_REPLIES} quick replies. Delete one to add another.`);
    }
    const [row] = await tx
      .insert(quickReplies)
      .values({ userId: me, body: data.body, position: maxPos + 1, createdAt: ctx.now })
      .returning();
    return toQuickReplyDTO(row);
  });
}

import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { stars } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { assertCan } from "../auth/permissions";
import { getConversationOrThrow } from "../chat/access";
import { DbId } from "../validation";

export const SetStarInput = z.object({
  conversationId: DbId,
  starred: z.boolean(),
});

/**
 * Star or unstar a chat for the acting agent only (stars are per agent,
 * product brief). Idempotent: starring twice or unstarring an unstarred chat
 * is a no-op. Only chats the actor may read.
 */
export async function setStar({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<{ conversationId: number; starred: boolean }> {
  assertCan(ctx.actor, "chat.view_own");
  const data = SetStarInput.parse(input);
  const c = await getConversationOrThrow(ctx, data.conversationId, "read");
  const me = ctx.actor.userId;
  if (data.starred) {
    await ctx.db.insert(stars).values({ userId: me, conversationId: c.id, createdAt: ctx.now }).onConflictDoNothing();
  } else {
    await ctx.db.delete(stars).where(and(eq(stars.userId, me), eq(stars.conversationId, c.id)));
  }
  return { conversationId: c.id, starred: data.starred };
}

import { eq } from "drizzle-orm";
import { z } from "zod";
import { users } from "../../db/schema";
import type { StaffCtx } from "../auth/ctx";
import { AppError } from "../errors";

export const BreakInput = z.object({ onBreak: z.boolean() });

/** On break: no new chats, existing ones stay. */
export async function setOnBreak({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<{ onBreak: boolean }> {
  const { onBreak } = BreakInput.parse(input);
  if (ctx.actor.role !== "agent") throw new AppError("forbidden", "Only agents take breaks here.");
  await ctx.db.update(users).set({ onBreak, updatedAt: ctx.now }).where(eq(users.id, ctx.actor.userId));
  return { onBreak };
}

import { eq } from "drizzle-orm";
import { z } from "zod";
import { users } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { assertCan } from "../auth/permissions";
import { effects, type VerbResult } from "../verb";

export const BreakInput = z.object({ onBreak: z.boolean() });

/** On break: no new chats, existing ones stay. Back from a break is capacity: the queue drains. */
export async function setOnBreak({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<{ onBreak: boolean }>> {
  const { onBreak } = BreakInput.parse(input);
  assertCan(ctx.actor, "agent.break");
  // Not `updatedAt`: that is the record's edit version (an admin's open edit form must not go stale over a break).
  await ctx.db.update(users).set({ onBreak }).where(eq(users.id, ctx.actor.userId));
  return { result: { onBreak }, effects: effects({ drain: !onBreak, queueChanged: true, agentsChanged: [ctx.actor.userId] }) };
}

import { eq } from "drizzle-orm";
import { z } from "zod";
import { users } from "../../db/schema";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { lockCursor } from "../routing";
import { DbId } from "../validation";
import type { VerbResult } from "../verb";
import { assertMayManage } from "./policy";
import { signOutStaff } from "./sign-out";

export const ForceSignOutInput = z.object({ userId: DbId }).strict();

/**
 * Force-logout: someone who manages this staff member ends all their
 * sessions (signOutStaff: the cookie stops working, sockets close on every
 * instance, chats go back to the queue without the refresh grace). Audited
 * as `auth.sign_out` with reason "forced", the actor being who forced it.
 */
export async function forceSignOutStaff({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<{ released: number }>> {
  const { userId } = ForceSignOutInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    // Lock order: the routing lock, then the user's row (as signOutStaff takes them).
    await lockCursor(tx);
    const [target] = await tx.db.select({ role: users.role }).from(users).where(eq(users.id, userId)).for("update").limit(1);
    if (!target) throw new AppError("not_found", "Staff member not found.");
    assertMayManage(ctx.actor, target.role);
    return signOutStaff({ ctx: tx, input: { userId, reason: "forced" } });
  });
}

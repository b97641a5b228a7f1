import { eq } from "drizzle-orm";
import { z } from "zod";
import { users } from "../../db/schema";
import { audit } from "../audit";
import { hashPassword } from "../auth/password";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { passwordProblem } from "../password-policy";
import { lockCursor } from "../routing";
import { DbId } from "../validation";
import type { VerbResult } from "../verb";
import { NewPassword } from "./create-staff";
import { assertMayManage } from "./policy";
import { signOutStaff } from "./sign-out";

export const ResetStaffPasswordInput = z.object({ userId: DbId, password: NewPassword }).strict();

/**
 * Give a staff member a new password (someone who manages them: agents with
 * `agents.manage`, others with `staff.manage`, admins only by an admin). Every
 * session of theirs ends — cookie, sockets on every instance — and their chats
 * go back to the queue without the refresh grace, exactly as a force-logout.
 * Not for one's own password: that needs the current one (changeOwnPassword).
 * Audited `staff.password_reset` (and the sign-out as `auth.sign_out`).
 */
export async function resetStaffPassword({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<{ userId: number; released: number }>> {
  const data = ResetStaffPasswordInput.parse(input);
  if (data.userId === ctx.actor.userId) {
    throw new AppError("forbidden", "Change your own password from your account page (it asks for the current one).");
  }
  const [target] = await ctx.db.select().from(users).where(eq(users.id, data.userId)).limit(1);
  if (!target) throw new AppError("not_found", "Staff member not found.");
  assertMayManage(ctx.actor, target.role);
  const problem = passwordProblem(data.password, [target.email, target.username ?? "", target.displayName]);
  if (problem) throw new AppError("bad_request", "Choose a stronger password.", { details: { fields: { password: problem } } });
  const passwordHash = await hashPassword(data.password);

  return withTransaction(ctx, async (tx) => {
    // Lock order: the routing lock, then the user's row (as signOutStaff and updateStaffMember take them).
    await lockCursor(tx);
    const [locked] = await tx.db.select({ role: users.role }).from(users).where(eq(users.id, data.userId)).for("update").limit(1);
    if (!locked) throw new AppError("not_found", "Staff member not found.");
    // The role may have changed since the check above (a promotion to admin, say).
    assertMayManage(ctx.actor, locked.role);
    await tx.db.update(users).set({ passwordHash, updatedAt: ctx.now }).where(eq(users.id, data.userId));
    const out = await signOutStaff({ ctx: tx, input: { userId: data.userId, reason: "password_reset" } });
    await audit(tx, "staff.password_reset", { type: "user", id: data.userId });
    return { result: { userId: data.userId, released: out.result.released }, effects: out.effects };
  });
}

import { eq } from "drizzle-orm";
import { z } from "zod";
import { users } from "../../db/schema";
import { audit } from "../audit";
import { withLoginAttempt } from "../auth/login-attempt";
import { hashPassword, verifyPassword } from "../auth/password";
import { assertCan } from "../auth/permissions";
import { bumpSessionVersion } from "../auth/sign-in";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { passwordProblem } from "../password-policy";
import { effects, type VerbResult } from "../verb";
import { NewPassword } from "./create-staff";

export const ChangeOwnPasswordInput = z
  .object({
    currentPassword: z.string({ error: "Enter your current password." }).min(1, "Enter your current password.").max(200, "That isn't your current password."),
    newPassword: NewPassword,
  })
  .strict();

/**
 * A staff member changes their own password. The current one is required,
 * and checking it is one of the address's sign-in attempts (5 wrong guesses
 * in 10 minutes block it, as at sign-in), so a session left open on a shared
 * computer can't be used to guess it. Every session ends (the version bump);
 * the caller issues this device a fresh cookie for `sessionVersion`, so only
 * the others are signed out. Chats stay with their owner: this is not a
 * sign-out. Audited `staff.password_change`.
 */
export async function changeOwnPassword({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<{ userId: number; sessionVersion: number }>> {
  assertCan(ctx.actor, "profile.view");
  const data = ChangeOwnPasswordInput.parse(input);
  const userId = ctx.actor.userId;
  const [me] = await ctx.db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!me || me.disabled) throw new AppError("unauthenticated", "Please sign in.");
  // Outside the change's transaction: a wrong guess must stay counted when the change is refused.
  const right = await withLoginAttempt(ctx.db, ctx.ip ?? "", ctx.now, async () => ((await verifyPassword(data.currentPassword, me.passwordHash)) ? true : null));
  if (!right) {
    throw new AppError("bad_request", "Your current password isn't right.", { details: { fields: { currentPassword: "That isn't your current password." } } });
  }
  const problem =
    data.newPassword === data.currentPassword
      ? "Choose a password different from your current one."
      : passwordProblem(data.newPassword, [me.email, me.username ?? "", me.displayName]);
  if (problem) throw new AppError("bad_request", "Choose a stronger password.", { details: { fields: { newPassword: problem } } });
  const passwordHash = await hashPassword(data.newPassword);

  return withTransaction(ctx, async (tx) => {
    await tx.db.update(users).set({ passwordHash, updatedAt: ctx.now }).where(eq(users.id, userId));
    await bumpSessionVersion(tx.db, userId, ctx.now);
    const [after] = await tx.db.select({ sessionVersion: users.sessionVersion }).from(users).where(eq(users.id, userId)).limit(1);
    await audit(tx, "staff.password_change", { type: "user", id: userId });
    // Every open socket was authenticated with the old generation and closes (4001), this
    // device's console tabs too: until sessions are per device, "the others" can't be told apart there.
    return { result: { userId, sessionVersion: after.sessionVersion }, effects: effects({ signOut: [userId] }) };
  });
}

import { eq, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";
import { AppError } from "../errors";
import { isIpBlocked } from "../security/ip-blocks";
import { accountSignInWait, accountWaitError, clearAccountFailures, recordAccountFailure, releaseAccountClaim } from "../security/account-throttle";
import { withLoginAttempt } from "./login-attempt";
import { burnPasswordCheck, verifyPassword } from "./password";
import type { StaffUser } from "./session";
import { revokeAllStaffSessions } from "./staff-sessions";

export const SignInInput = z.object({
  login: z.string().trim().min(1, "Enter your email or username.").max(254),
  password: z.string().min(1, "Enter your password.").max(200),
});
export type SignInInput = z.infer<typeof SignInInput>;

/**
 * A guess at one account's secret, slowed down per account as well as per
 * address: after a few failures for the account (from any number of
 * addresses) each further attempt must wait, the wait doubling up to a
 * minute (lib/security/account-throttle.ts) — a 429 saying how long, never a
 * lockout the real owner can't get past. The wait is checked before the
 * address's attempt is claimed, so waiting never costs the address a strike.
 */
export async function withAccountThrottle<T>(db: Db, ip: string, account: string, now: Date, guess: () => Promise<T | null>): Promise<T | null> {
  const wait = await accountSignInWait(db, account, now);
  // A blocked address is told so, not asked to wait.
  if (wait.waitMs > 0) throw isIpBlocked(ip, now.getTime()) ? new AppError("blocked", "Blocked.") : accountWaitError(wait.waitMs);
  let found: T | null;
  try {
    found = await guess();
  } catch (err) {
    // Refused before any secret was checked (blocked, busy): not this account's failure.
    await releaseAccountClaim(db, wait.claim);
    throw err;
  }
  if (found === null) await recordAccountFailure(db, account, now, wait.claim);
  else await clearAccountFailures(db, account);
  return found;
}

/**
 * Check credentials (the password step; lib/auth/sign-in-flow.ts decides what
 * follows: a second factor, an enrolment, or the session). The check is one
 * of the client's sign-in attempts (`withLoginAttempt`: 5 failures in 10
 * minutes → 30-minute block), so a burst costs at most 5 password checks,
 * and one of the account's (`withAccountThrottle`). A failure says nothing
 * about which part was wrong.
 */
export async function signIn({ db, ip, now, input }: { db: Db; ip: string; now: Date; input: unknown }): Promise<StaffUser> {
  const { login, password } = SignInInput.parse(input);
  const key = login.toLowerCase();
  const user = await withAccountThrottle(db, ip, key, now, () =>
    withLoginAttempt(db, ip, now, async () => {
      const [found] = await db
        .select()
        .from(users)
        .where(or(sql`lower(${users.email}) = ${key}`, sql`lower(${users.username}) = ${key}`))
        .limit(1);
      const ok = found ? await verifyPassword(password, found.passwordHash) : (await burnPasswordCheck(password), false);
      return ok && found && !found.disabled ? found : null;
    }),
  );
  if (!user) throw new AppError("unauthenticated", "Wrong email/username or password.");
  return user;
}

/**
 * Invalidate every session of a user (sign-out, force-logout, password change,
 * disable): the version bump kills every cookie, and the device rows are
 * marked revoked so the device list is empty too. Callers close the user's
 * sockets after this commits.
 */
export async function bumpSessionVersion(db: Db, userId: number, now = new Date()): Promise<void> {
  await db
    .update(users)
    // Not `updatedAt` (the record's edit version): signing someone out doesn't edit their record.
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId));
  await revokeAllStaffSessions(db, userId, now);
}

import { eq, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";
import { AppError } from "../errors";
import { claimLoginAttempt, settleLoginAttempt } from "../security/strikes";
import { burnPasswordCheck, verifyPassword } from "./password";
import type { StaffUser } from "./session";

export const SignInInput = z.object({
  login: z.string().trim().min(1, "Enter your email or username.").max(254),
  password: z.string().min(1, "Enter your password.").max(200),
});
export type SignInInput = z.infer<typeof SignInInput>;

/**
 * Check credentials. Each attempt first claims one of the client's sign-in
 * attempts (a `login` strike: 5 in 10 minutes → 30-minute block, an IPv6 /64
 * counting as one client), so a burst costs at most 5 password checks; a
 * correct password gives the claim back, unless a block landed meanwhile —
 * then no session is issued. A failure says nothing about which part was wrong.
 */
export async function signIn({ db, ip, now, input }: { db: Db; ip: string; now: Date; input: unknown }): Promise<StaffUser> {
  const { login, password } = SignInInput.parse(input);
  const attempt = await claimLoginAttempt(db, ip, now);
  if (attempt === "blocked") throw new AppError("blocked", "Blocked.");
  if (attempt === "busy") {
    throw new AppError("rate_limited", "Too many sign-in attempts at once. Try again in a moment.", { details: { retryAfterSeconds: 5 } });
  }
  const key = login.toLowerCase();
  const [user] = await db
    .select()
    .from(users)
    .where(or(sql`lower(${users.email}) = ${key}`, sql`lower(${users.username}) = ${key}`))
    .limit(1);
  const ok = user ? await verifyPassword(password, user.passwordHash) : (await burnPasswordCheck(password), false);
  const good = ok && !!user && !user.disabled;
  if (await settleLoginAttempt(db, ip, attempt, good, now)) throw new AppError("blocked", "Blocked.");
  if (!good) throw new AppError("unauthenticated", "Wrong email/username or password.");
  await db.update(users).set({ lastSeenAt: now, lastActivityAt: now }).where(eq(users.id, user.id));
  return user;
}

/**
 * Invalidate every session of a user (sign-out, force-logout, password change,
 * disable). Callers close the user's sockets after this commits.
 */
export async function bumpSessionVersion(db: Db, userId: number): Promise<void> {
  await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: new Date() })
    .where(eq(users.id, userId));
}

import { eq, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";
import { AppError } from "../errors";
import { recordStrike } from "../security/strikes";
import { burnPasswordCheck, verifyPassword } from "./password";
import type { StaffUser } from "./session";

export const SignInInput = z.object({
  login: z.string().trim().min(1, "Enter your email or username.").max(254),
  password: z.string().min(1, "Enter your password.").max(200),
});
export type SignInInput = z.infer<typeof SignInInput>;

/**
 * Check credentials. A failure records a `login` strike against the IP
 * (5 in 10 minutes → 30-minute block) and says nothing about which part was wrong.
 */
export async function signIn({ db, ip, now, input }: { db: Db; ip: string; now: Date; input: unknown }): Promise<StaffUser> {
  const { login, password } = SignInInput.parse(input);
  const key = login.toLowerCase();
  const [user] = await db
    .select()
    .from(users)
    .where(or(sql`lower(${users.email}) = ${key}`, sql`lower(${users.username}) = ${key}`))
    .limit(1);
  const ok = user ? await verifyPassword(password, user.passwordHash) : (await burnPasswordCheck(password), false);
  if (!ok || !user || user.disabled) {
    const blocked = await recordStrike(db, ip, "login", now);
    if (blocked) throw new AppError("blocked", "Blocked.");
    throw new AppError("unauthenticated", "Wrong email/username or password.");
  }
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

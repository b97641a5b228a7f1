import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { sealData, unsealData } from "iron-session";
import { z } from "zod";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";
import { setCookie } from "../cookies";
import { getEnv } from "../env";

export const SESSION_COOKIE = "occ_session";
const TTL_SECONDS = 7 * 24 * 3600;

/** What the cookie carries: who, and which session generation (bump = force-logout everywhere). */
const SessionData = z.object({ userId: z.number().int().positive(), sessionVersion: z.number().int(), sid: z.string() });
export type SessionData = z.infer<typeof SessionData>;

/** A fresh sealed value; `sid` makes every sign-in's cookie value different. */
export async function sealSession(data: { userId: number; sessionVersion: number }): Promise<string> {
  return sealData(
    { ...data, sid: randomBytes(12).toString("base64url") },
    { password: getEnv().sessionSecret, ttl: TTL_SECONDS },
  );
}

export async function unsealSession(value: string | undefined | null): Promise<SessionData | null> {
  if (!value) return null;
  try {
    const raw = await unsealData<unknown>(value, { password: getEnv().sessionSecret, ttl: TTL_SECONDS });
    const parsed = SessionData.safeParse(raw);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export { readCookie } from "../cookies";

export function sessionSetCookie(value: string): string {
  return setCookie(SESSION_COOKIE, value, { maxAge: TTL_SECONDS });
}

export function sessionClearCookie(): string {
  return setCookie(SESSION_COOKIE, "", { maxAge: 0 });
}

export type StaffUser = typeof users.$inferSelect;

/**
 * The signed-in staff user behind a cookie, or null. Checked against the
 * database on every request and upgrade so that force-logout, a password
 * change or disabling the account take effect at once.
 */
export async function findStaffBySession(db: Db, value: string | undefined | null): Promise<StaffUser | null> {
  const data = await unsealSession(value);
  if (!data) return null;
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, data.userId), eq(users.sessionVersion, data.sessionVersion), eq(users.disabled, false)))
    .limit(1);
  return user ?? null;
}

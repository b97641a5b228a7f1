import { and, eq, isNull } from "drizzle-orm";
import { sealData, unsealData } from "iron-session";
import { z } from "zod";
import type { Db, DbHandle } from "../../db/client";
import { staffSessions, users } from "../../db/schema";
import { setCookie } from "../cookies";
import { getEnv } from "../env";
import { logger } from "../logger";
import { peekSingleton } from "../singleton";
import { MAX_ABSOLUTE_HOURS, parseSessionSettings } from "./security-policy";
import {
  createStaffSession,
  needsTouch,
  sessionExpiry,
  sessionSettingsSql,
  touchStaffSession,
  type StaffSessionRow,
} from "./staff-sessions";

export const SESSION_COOKIE = "occ_session";
/**
 * The seal's own limit: the longest lifetime the settings allow. The
 * configured limits (idle, absolute) are enforced by the session row, so a
 * shorter setting takes effect at once, for cookies already issued too.
 */
const SEAL_TTL_SECONDS = MAX_ABSOLUTE_HOURS * 3600;

/**
 * What the cookie carries: who, which session generation (bump = sign out
 * everywhere), and `sid`, the id of its `staff_sessions` row (this device).
 */
const SessionData = z.object({ userId: z.number().int().positive(), sessionVersion: z.number().int(), sid: z.string().min(16).max(64) });
export type SessionData = z.infer<typeof SessionData>;

export type StaffUser = typeof users.$inferSelect;

/** The process database, if one is open (route handlers and the ws hub share it); never opens one. */
async function processDb(): Promise<Db | undefined> {
  const handle = peekSingleton<Promise<DbHandle>>("db");
  return handle ? (await handle).db : undefined;
}

/**
 * Start a session for one device: its `staff_sessions` row, and the sealed
 * cookie value naming it. `db` defaults to the process database (what the
 * route handlers and the ws upgrade read the cookie against).
 */
export async function sealSession(
  data: { userId: number; sessionVersion: number },
  opts: { db?: Db; ip?: string | null; userAgent?: string | null; now?: Date } = {},
): Promise<string> {
  const db = opts.db ?? (await processDb());
  if (!db) throw new Error("sealSession: no database to record the session in (pass opts.db)");
  const row = await createStaffSession(db, { userId: data.userId, ip: opts.ip, userAgent: opts.userAgent, now: opts.now ?? new Date() });
  return sealData({ ...data, sid: row.id } satisfies SessionData, { password: getEnv().sessionSecret, ttl: SEAL_TTL_SECONDS });
}

export async function unsealSession(value: string | undefined | null): Promise<SessionData | null> {
  if (!value) return null;
  try {
    const raw = await unsealData<unknown>(value, { password: getEnv().sessionSecret, ttl: SEAL_TTL_SECONDS });
    const parsed = SessionData.safeParse(raw);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export { readCookie } from "../cookies";

/** The cookie for a new session; it lives as long as the session may (`maxAgeSeconds`: the absolute lifetime in force). */
export function sessionSetCookie(value: string, maxAgeSeconds: number = SEAL_TTL_SECONDS): string {
  return setCookie(SESSION_COOKIE, value, { maxAge: Math.min(maxAgeSeconds, SEAL_TTL_SECONDS) });
}

export function sessionClearCookie(): string {
  return setCookie(SESSION_COOKIE, "", { maxAge: 0 });
}

export type StaffSession = {
  user: StaffUser;
  session: StaffSessionRow;
  /** The throttled last-seen write this check started, if any; never rejects (callers don't wait for it; tests do). */
  touch: Promise<void> | null;
};

/**
 * The signed-in staff user and device behind a cookie, or null. One query:
 * the session row must exist and not be revoked, the user's session version
 * must match (sign out everywhere) and the account be enabled; then the
 * session must be inside the idle and absolute limits at `now`. A live
 * session seen over a minute ago is marked seen again, off the request's path.
 */
export async function findStaffSession(db: Db, value: string | undefined | null, now = new Date()): Promise<StaffSession | null> {
  const data = await unsealSession(value);
  if (!data) return null;
  const [row] = await db
    .select({ user: users, session: staffSessions, limits: sessionSettingsSql })
    .from(staffSessions)
    .innerJoin(users, eq(users.id, staffSessions.userId))
    .where(
      and(
        eq(staffSessions.id, data.sid),
        eq(staffSessions.userId, data.userId),
        isNull(staffSessions.revokedAt),
        eq(users.sessionVersion, data.sessionVersion),
        eq(users.disabled, false),
      ),
    )
    .limit(1);
  if (!row || sessionExpiry(row.session, parseSessionSettings(row.limits), now)) return null;
  const touch = needsTouch(row.session, now)
    ? touchStaffSession(db, row.session.id, now).catch((err) => logger.warn({ err }, "session last-seen update failed"))
    : null;
  return { user: row.user, session: row.session, touch };
}

/**
 * The signed-in staff user behind a cookie, or null. Checked against the
 * database on every request and upgrade so that signing a device out,
 * force-logout, a password change, disabling the account or a timeout take
 * effect at once.
 */
export async function findStaffBySession(db: Db, value: string | undefined | null, now = new Date()): Promise<StaffUser | null> {
  return (await findStaffSession(db, value, now))?.user ?? null;
}

/** The session id (`sid`) in a request's cookie, unverified: only to tell "this device" apart after withStaff authenticated it. */
export async function cookieSessionId(cookieValue: string | undefined | null): Promise<string | null> {
  return (await unsealSession(cookieValue))?.sid ?? null;
}

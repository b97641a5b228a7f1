import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, gt, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { settings, staffSessions } from "../../db/schema";
import { parseUserAgent } from "../attribution/device";
import { audit } from "../audit";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { effects, type VerbResult } from "../verb";
import { assertCan } from "./permissions";
import { MAX_ABSOLUTE_HOURS, parseSessionSettings, SESSION_SETTINGS_KEY, type SessionSettings } from "./security-policy";

export type StaffSessionRow = typeof staffSessions.$inferSelect;

/** `last_seen_at` is written at most this often per session: not a write per request. */
export const SESSION_TOUCH_EVERY_MS = 60_000;
const MAX_USER_AGENT = 512;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Why a session is over at `now`, or null while it is live (revocation aside). */
export function sessionExpiry(s: Pick<StaffSessionRow, "createdAt" | "lastSeenAt">, limits: SessionSettings, now: Date): "idle" | "absolute" | null {
  if (now.getTime() - s.createdAt.getTime() >= limits.absoluteHours * HOUR) return "absolute";
  if (now.getTime() - s.lastSeenAt.getTime() >= limits.idleMinutes * MINUTE) return "idle";
  return null;
}

export function isSessionLive(s: StaffSessionRow, limits: SessionSettings, now: Date): boolean {
  return !s.revokedAt && sessionExpiry(s, limits, now) === null;
}

/** SQL for the configured session limits, read inside the caller's own query (no second round trip on the hot path). */
export const sessionSettingsSql = sql<unknown>`(select ${settings.value} from ${settings} where ${settings.key} = ${SESSION_SETTINGS_KEY})`;

/** A new signed-in device. Its id goes into the cookie's seal and nowhere else. */
export async function createStaffSession(
  db: Db,
  s: { userId: number; ip?: string | null; userAgent?: string | null; now: Date },
): Promise<StaffSessionRow> {
  const [row] = await db
    .insert(staffSessions)
    .values({
      id: randomBytes(24).toString("base64url"),
      userId: s.userId,
      createdAt: s.now,
      lastSeenAt: s.now,
      ip: s.ip || null,
      userAgent: s.userAgent ? s.userAgent.slice(0, MAX_USER_AGENT) : null,
    })
    .returning();
  return row;
}

export function needsTouch(s: Pick<StaffSessionRow, "lastSeenAt">, now: Date): boolean {
  return now.getTime() - s.lastSeenAt.getTime() >= SESSION_TOUCH_EVERY_MS;
}

/**
 * Mark a session seen. The throttle is in the WHERE clause as well, so a burst
 * of parallel requests writes the row once; a session already revoked stays so.
 */
export async function touchStaffSession(db: Db, sessionId: string, now: Date): Promise<void> {
  await db
    .update(staffSessions)
    .set({ lastSeenAt: now })
    .where(
      and(
        eq(staffSessions.id, sessionId),
        isNull(staffSessions.revokedAt),
        lte(staffSessions.lastSeenAt, new Date(now.getTime() - SESSION_TOUCH_EVERY_MS)),
      ),
    );
}

/** Whether a session (an open socket's) is still live: row present, not revoked, inside both limits. */
export async function isSessionIdLive(db: Db, sessionId: string, userId: number, now: Date): Promise<boolean> {
  const [row] = await db
    .select({ session: staffSessions, limits: sessionSettingsSql })
    .from(staffSessions)
    .where(and(eq(staffSessions.id, sessionId), eq(staffSessions.userId, userId)))
    .limit(1);
  return !!row && isSessionLive(row.session, parseSessionSettings(row.limits), now);
}

/** End every open session of a user (the session version bump's partner: "sign out everywhere"). */
export async function revokeAllStaffSessions(db: Db, userId: number, now: Date): Promise<void> {
  await db
    .update(staffSessions)
    .set({ revokedAt: now })
    .where(and(eq(staffSessions.userId, userId), isNull(staffSessions.revokedAt)));
}

/**
 * The id a session is known by outside the server (the device list, the
 * revoke URL): a hash of the cookie's sid, so the sid itself never appears
 * in a page, a URL or an access log.
 */
export function publicSessionId(sid: string): string {
  return createHash("sha256").update(`occ-session:${sid}`).digest("base64url").slice(0, 22);
}

const OS_NAMES: Record<string, string> = { "Mac OS": "macOS", "Chromium OS": "ChromeOS" };

/** "Chrome on macOS", "Safari on iOS", or "Unknown browser". */
export function describeDevice(userAgent: string | null): { label: string; browser: string | null; os: string | null } {
  const d = parseUserAgent(userAgent);
  const os = d.os ? (OS_NAMES[d.os] ?? d.os) : null;
  const browser = d.browser;
  const label = browser && os ? `${browser} on ${os}` : (browser ?? (os ? `Browser on ${os}` : "Unknown browser"));
  return { label, browser, os };
}

export type DeviceSession = {
  id: string;
  current: boolean;
  device: string;
  browser: string | null;
  os: string | null;
  ip: string | null;
  lastSeenAt: string;
  createdAt: string;
};

/** The actor's live sessions, rows and limits (at most the 100 most recent; nobody has more devices than that). */
async function liveSessionsOf(ctx: StaffCtx): Promise<StaffSessionRow[]> {
  const oldest = new Date(ctx.now.getTime() - MAX_ABSOLUTE_HOURS * HOUR);
  const rows = await ctx.db
    .select({ session: staffSessions, limits: sessionSettingsSql })
    .from(staffSessions)
    .where(and(eq(staffSessions.userId, ctx.actor.userId), isNull(staffSessions.revokedAt), gt(staffSessions.createdAt, oldest)))
    .orderBy(desc(staffSessions.lastSeenAt))
    .limit(100);
  return rows.filter((r) => isSessionLive(r.session, parseSessionSettings(r.limits), ctx.now)).map((r) => r.session);
}

/** My signed-in devices, most recently seen first, this one marked. */
export async function listMySessions({ ctx, input }: { ctx: StaffCtx; input: { currentSessionId: string | null } }): Promise<DeviceSession[]> {
  assertCan(ctx.actor, "profile.view");
  const rows = await liveSessionsOf(ctx);
  return rows.map((s) => {
    const d = describeDevice(s.userAgent);
    return {
      id: publicSessionId(s.id),
      current: s.id === input.currentSessionId,
      device: d.label,
      browser: d.browser,
      os: d.os,
      ip: s.ip,
      lastSeenAt: s.lastSeenAt.toISOString(),
      createdAt: s.createdAt.toISOString(),
    };
  });
}

/**
 * Sign one of my devices out: its cookie stops working at its next request,
 * and after commit its open sockets close (4001) on every instance. The
 * session is named by its public id; another user's session is "not found".
 * `result.current` tells the caller it was this very device.
 */
export async function revokeMySession({
  ctx,
  input,
}: {
  ctx: StaffCtx;
  input: { sessionId: string; currentSessionId: string | null };
}): Promise<VerbResult<{ current: boolean }>> {
  assertCan(ctx.actor, "profile.view");
  return withTransaction(ctx, async (tx) => {
    const target = (await liveSessionsOf(tx)).find((s) => publicSessionId(s.id) === input.sessionId);
    if (!target) throw new AppError("not_found", "That device is already signed out.");
    await tx.db.update(staffSessions).set({ revokedAt: ctx.now }).where(eq(staffSessions.id, target.id));
    const current = target.id === input.currentSessionId;
    await audit(tx, "auth.session_revoked", { type: "user", id: ctx.actor.userId }, {
      device: describeDevice(target.userAgent).label,
      ip: target.ip,
      current,
    });
    return { result: { current }, effects: effects({ endSessions: [{ userId: ctx.actor.userId, sessionId: target.id }] }) };
  });
}

/** Sign out every device of mine but this one. */
export async function revokeMyOtherSessions({
  ctx,
  input,
}: {
  ctx: StaffCtx;
  input: { currentSessionId: string };
}): Promise<VerbResult<{ revoked: number }>> {
  assertCan(ctx.actor, "profile.view");
  return withTransaction(ctx, async (tx) => {
    const ended = (await liveSessionsOf(tx)).filter((s) => s.id !== input.currentSessionId);
    if (ended.length) {
      await tx.db
        .update(staffSessions)
        .set({ revokedAt: ctx.now })
        .where(inArray(staffSessions.id, ended.map((s) => s.id)));
      await audit(tx, "auth.session_revoked", { type: "user", id: ctx.actor.userId }, { others: true, count: ended.length });
    }
    return {
      result: { revoked: ended.length },
      effects: effects({ endSessions: ended.map((e) => ({ userId: ctx.actor.userId, sessionId: e.id })) }),
    };
  });
}

/** Drop rows no cookie can use any more: past the longest lifetime the settings allow, or revoked over a day ago. */
export async function sweepStaffSessions({ db, now }: { db: Db; now: Date }): Promise<number> {
  const dead = await db
    .delete(staffSessions)
    .where(
      or(
        lt(staffSessions.createdAt, new Date(now.getTime() - MAX_ABSOLUTE_HOURS * HOUR)),
        lt(staffSessions.revokedAt, new Date(now.getTime() - 24 * HOUR)),
      ),
    )
    .returning({ id: staffSessions.id });
  return dead.length;
}

import { and, eq, gt, inArray, lte, notInArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { staffPresence, users } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { AGENT_GRACE_MS, PRESENCE_STALE_MS } from "./constants";

/**
 * Record how many console connections a staff user has on this instance.
 * The hub's own count is written (not incremented), so the row self-corrects.
 * Returns whether the user now has no live connection anywhere (the 30 s
 * grace starts) — or came online.
 */
export async function setStaffConnections(
  db: Db,
  { userId, instanceId, connections, now }: { userId: number; instanceId: string; connections: number; now: Date },
): Promise<{ online: boolean }> {
  if (connections > 0) {
    await db
      .insert(staffPresence)
      .values({ userId, instanceId, connections, heartbeatAt: now })
      .onConflictDoUpdate({ target: [staffPresence.userId, staffPresence.instanceId], set: { connections, heartbeatAt: now } });
    await db.update(users).set({ offlineSince: null, lastSeenAt: now }).where(eq(users.id, userId));
    return { online: true };
  }
  await db.delete(staffPresence).where(and(eq(staffPresence.userId, userId), eq(staffPresence.instanceId, instanceId)));
  const stale = new Date(now.getTime() - PRESENCE_STALE_MS);
  const [other] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(staffPresence)
    .where(and(eq(staffPresence.userId, userId), gt(staffPresence.connections, 0), gt(staffPresence.heartbeatAt, stale)));
  if (other.n > 0) return { online: true };
  // Keep an earlier start (a sign-out backdates it: no grace for a deliberate exit).
  await db
    .update(users)
    .set({ offlineSince: sql`coalesce(${users.offlineSince}, ${now.toISOString()}::timestamptz)`, lastSeenAt: now })
    .where(eq(users.id, userId));
  return { online: false };
}

/**
 * Signed out (by themselves or by the inactivity rule): no refresh grace.
 * Their presence goes at once, so neither a queue drain nor a sweep treats
 * them as online while their sockets are still closing.
 */
export async function markSignedOut(db: Db, userIds: number[], now: Date): Promise<void> {
  if (userIds.length === 0) return;
  await db.delete(staffPresence).where(inArray(staffPresence.userId, userIds));
  await db
    .update(users)
    .set({ offlineSince: new Date(now.getTime() - AGENT_GRACE_MS - 1) })
    .where(inArray(users.id, userIds));
}

/**
 * This instance is alive: refresh its rows. Rows of dead instances (no
 * heartbeat for 30 s) are removed, and their users' grace starts from the
 * last heartbeat, so a crashed instance doesn't strand anyone's chats.
 */
export async function heartbeatPresence(db: Db, instanceId: string, now: Date, counts?: Map<number, number>): Promise<void> {
  if (counts) {
    // Rewrite this instance's rows from the hub's own counts: an open/close write that
    // lost a race on the pool (a refresh's close landing after its open) heals here.
    const live = [...counts].filter(([, n]) => n > 0);
    for (const [userId, connections] of live) {
      await db
        .insert(staffPresence)
        .values({ userId, instanceId, connections, heartbeatAt: now })
        .onConflictDoUpdate({ target: [staffPresence.userId, staffPresence.instanceId], set: { connections, heartbeatAt: now } });
    }
    const gone = live.length ? notInArray(staffPresence.userId, live.map(([u]) => u)) : undefined;
    const dropped = await db.delete(staffPresence).where(and(eq(staffPresence.instanceId, instanceId), gone)).returning();
    for (const d of dropped) await startGraceIfGone(db, d.userId, now);
  } else {
    await db.update(staffPresence).set({ heartbeatAt: now }).where(eq(staffPresence.instanceId, instanceId));
  }
  const stale = new Date(now.getTime() - PRESENCE_STALE_MS);
  const dead = await db.delete(staffPresence).where(lte(staffPresence.heartbeatAt, stale)).returning();
  for (const d of dead) await startGraceIfGone(db, d.userId, d.heartbeatAt);
}

/** The user has no live connection left anywhere: their 30 s grace runs from `since` (unless it already runs). */
async function startGraceIfGone(db: Db, userId: number, since: Date) {
  await db.execute(sql`
    update users set offline_since = coalesce(offline_since, ${since.toISOString()}::timestamptz)
    where id = ${userId}
      and not exists (select 1 from staff_presence p where p.user_id = ${userId} and p.connections > 0)`);
}

/** The console is open and in use: the 5-minute inactivity sign-out starts over. */
export async function recordActivity({ ctx }: { ctx: StaffCtx }): Promise<void> {
  await ctx.db.update(users).set({ lastActivityAt: ctx.now }).where(eq(users.id, ctx.actor.userId));
}

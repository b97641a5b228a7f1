import { sql } from "drizzle-orm";
import { rowsOf, sqlBool } from "../../db/raw";
import { withTransaction, type Ctx } from "../ctx";
import { roleHoldsSql } from "../auth/permissions";
import { bumpSessionVersion } from "../auth/sign-in";
import { audit } from "../audit";
import { transitionMany, VISITOR_OFFLINE_GRACE_MS, type Change } from "../chat/lifecycle";
import { effects, type Effects, type VerbResult } from "../verb";
import { lockCursor } from "./assign";
import { AGENT_GRACE_MS, AGENT_GRACE_SWEEP_MS, AGENT_INACTIVITY_MS } from "./constants";
import { agentOnlineSql } from "./eligibility";
import { markSignedOut } from "./presence";

export type Release = { conversationId: number; previousAgentId: number | null; status: "queued" | "offline" };

const toRelease = (c: Change): Release => ({
  conversationId: c.conversationId,
  previousAgentId: c.previousAssigneeId,
  status: c.to as Release["status"],
});

/** Everyone concerned hears about the moved chats; a chat back in the queue asks for a drain. */
function releaseEffects(changes: Change[]): Effects {
  return effects({
    conversations: changes.map((c) => ({ id: c.conversationId, previousAssigneeId: c.previousAssigneeId })),
    drain: changes.some((c) => c.to === "queued"),
    queueChanged: changes.some((c) => c.to === "queued"),
  });
}

/** `agentGone` for the chats a query picked (rows of id, previous owner, status). */
async function requeue(ctx: Ctx, res: unknown): Promise<VerbResult<Release[]>> {
  const rows = rowsOf<{ id: number; prev: number; status: "active" | "offline" }>(res).map((r) => ({
    conversationId: Number(r.id),
    from: r.status,
    previousAssigneeId: Number(r.prev),
  }));
  const changes = await transitionMany(ctx, "agentGone", rows);
  return { result: changes.map(toRelease), effects: releaseEffects(changes) };
}

/**
 * Visitors gone longer than 15 s: their active chat moves to the agent's
 * Offline bucket (`visitorGone` with canPark) — unless the agent is offline
 * or already at their offline limit, in which case it returns to the queue.
 * Set-based; the per-agent ranking parks several chats inside the limit.
 * Runs under the routing lock, so a park can't race an assignment.
 */
export async function sweepOfflineVisitors({ ctx }: { ctx: Ctx }): Promise<VerbResult<Release[]>> {
  const cutoff = new Date(ctx.now.getTime() - VISITOR_OFFLINE_GRACE_MS).toISOString();
  return withTransaction(ctx, async (tx) => {
    await lockCursor(tx);
    const res = await tx.db.execute(sql`
      with cand as (
        select c.id, c.assignee_id, c.assigned_to_ai,
               row_number() over (partition by c.assignee_id order by c.visitor_offline_since, c.id) as rn
        from conversations c
        where c.status = 'active' and c.visitor_offline_since is not null
          and c.visitor_offline_since <= ${cutoff}::timestamptz
      ),
      cap as (
        select u.id,
               u.offline_chat_limit - (select count(*) from conversations x where x.assignee_id = u.id and x.status = 'offline') as free,
               ${agentOnlineSql(ctx.now)} as online
        from users u where u.id in (select assignee_id from cand)
      )
      select cand.id, cand.assignee_id as prev,
             (cand.assigned_to_ai or coalesce(cap.online and cand.rn <= cap.free, false)) as can_park
      from cand left join cap on cap.id = cand.assignee_id`);
    const rows = rowsOf<{ id: number; prev: number | null; can_park: unknown }>(res).map((r) => ({
      conversationId: Number(r.id),
      from: "active" as const,
      previousAssigneeId: r.prev === null ? null : Number(r.prev),
      guard: { canPark: sqlBool(r.can_park) },
    }));
    // A visitor who just came back is left alone.
    const changes = await transitionMany(tx, "visitorGone", rows, sql`c.visitor_offline_since <= ${cutoff}::timestamptz`);
    return { result: changes.map(toRelease), effects: releaseEffects(changes) };
  });
}

/**
 * Agents gone longer than the 30 s grace: the chats whose visitor is waiting
 * (active) go back to the queue at once; parked offline chats stay with the
 * agent up to their offline limit (most recent first), the rest are queued.
 * Set-based, however many agents left at once.
 */
export async function sweepAgentGrace({ ctx }: { ctx: Ctx }): Promise<VerbResult<Release[]>> {
  const graceCut = new Date(ctx.now.getTime() - AGENT_GRACE_MS).toISOString();
  return withTransaction(ctx, async (tx) => {
    await lockCursor(tx);
    const res = await tx.db.execute(sql`
      with gone as (
        select u.id, u.offline_chat_limit from users u
        where ${roleHoldsSql("chat.receive_routed")}
          and not exists (select 1 from staff_presence p where p.user_id = u.id and p.connections > 0)
          and (u.offline_since is null or u.offline_since <= ${graceCut}::timestamptz)
      ),
      ranked as (
        select c.id, c.assignee_id, c.status,
               row_number() over (partition by c.assignee_id, c.status order by c.last_message_at desc, c.id desc) as rn,
               g.offline_chat_limit as lim
        from conversations c join gone g on g.id = c.assignee_id
        where c.status in ('active', 'offline')
      )
      select r.id, r.assignee_id as prev, r.status from ranked r where r.status = 'active' or r.rn > r.lim`);
    const released = await requeue(tx, res);
    // Grace → offline is only time passing: supervisors hear of the agents whose grace ran out
    // since about the last sweep (two intervals wide, so a late run misses none; a repeat is harmless).
    const windowCut = new Date(ctx.now.getTime() - AGENT_GRACE_MS - 2 * AGENT_GRACE_SWEEP_MS).toISOString();
    const expired = rowsOf<{ id: number }>(
      await tx.db.execute(sql`
        select u.id from users u
        where ${roleHoldsSql("chat.receive_routed")}
          and u.offline_since > ${windowCut}::timestamptz and u.offline_since <= ${graceCut}::timestamptz
          and not exists (select 1 from staff_presence p where p.user_id = u.id and p.connections > 0)`),
    ).map((r) => Number(r.id));
    return { ...released, effects: { ...released.effects, agentsChanged: expired } };
  });
}

/**
 * Release every open chat of these users to the queue now (`agentGone`, no
 * grace): they signed out, went inactive or lost the right to hold chats.
 */
export async function releaseChatsOf(ctx: Ctx, userIds: number[]): Promise<VerbResult<Release[]>> {
  if (userIds.length === 0) return { result: [], effects: effects() };
  return withTransaction(ctx, async (tx) => {
    await lockCursor(tx);
    const ids = sql.join(userIds.map((id) => sql`${id}`), sql`, `);
    const res = await tx.db.execute(sql`
      select c.id, c.assignee_id as prev, c.status from conversations c
      where c.assignee_id in (${ids}) and c.status in ('active', 'offline')`);
    return requeue(tx, res);
  });
}

/**
 * Agents holding open chats whose console sent no heartbeat for 5 minutes:
 * sign them out (session version bump; their sockets close after commit)
 * and release their chats to the queue, with an audit row each.
 */
export async function sweepInactiveAgents({ ctx }: { ctx: Ctx }): Promise<VerbResult<{ userIds: number[]; released: Release[] }>> {
  const cut = new Date(ctx.now.getTime() - AGENT_INACTIVITY_MS).toISOString();
  return withTransaction(ctx, async (tx) => {
    // The routing lock before the users' rows (see lockCursor).
    await lockCursor(tx);
    const idle = rowsOf<{ id: number }>(
      await tx.db.execute(sql`
        select u.id from users u
        where ${roleHoldsSql("chat.receive_routed")}
          and (u.last_activity_at is null or u.last_activity_at <= ${cut}::timestamptz)
          and exists (select 1 from conversations c where c.assignee_id = u.id and c.status in ('active', 'offline'))`),
    ).map((r) => Number(r.id));
    if (idle.length === 0) return { result: { userIds: [], released: [] }, effects: effects() };
    for (const id of idle) {
      await bumpSessionVersion(tx.db, id);
      await audit(tx, "auth.inactive_sign_out", { type: "user", id });
    }
    await markSignedOut(tx.db, idle, ctx.now);
    const released = await releaseChatsOf(tx, idle);
    return {
      result: { userIds: idle, released: released.result },
      effects: { ...released.effects, signOut: idle },
    };
  });
}

import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rowsOf } from "../../db/raw";
import { VISITOR_OFFLINE_GRACE_MS } from "../chat/lifecycle";
import { bumpSessionVersion } from "../auth/sign-in";
import { AGENT_GRACE_MS, AGENT_INACTIVITY_MS } from "./constants";
import { agentOnlineSql } from "./eligibility";
import { markSignedOut } from "../realtime/presence";

export type Release = { conversationId: number; previousAgentId: number | null; status: "queued" | "offline" };

const toRelease = (r: { id: number; prev: number | null; next: string }): Release => ({
  conversationId: Number(r.id),
  previousAgentId: r.prev === null ? null : Number(r.prev),
  status: r.next as Release["status"],
});

/**
 * Visitors gone longer than 15 s: their active chat moves to the agent's
 * Offline bucket — unless the agent is offline or already at their offline
 * limit, in which case it returns to the queue. One set-based UPDATE; the
 * per-agent ranking keeps a sweep that parks several chats inside the limit.
 */
export async function sweepOfflineVisitors({ db, now }: { db: Db; now: Date }): Promise<Release[]> {
  const cutoff = new Date(now.getTime() - VISITOR_OFFLINE_GRACE_MS).toISOString();
  const res = await db.execute(sql`
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
             ${agentOnlineSql(now)} as online
      from users u where u.id in (select assignee_id from cand)
    ),
    dec as (
      select cand.id, cand.assignee_id as prev,
             case when cand.assigned_to_ai or (cap.online and cand.rn <= cap.free) then 'offline' else 'queued' end as next
      from cand left join cap on cap.id = cand.assignee_id
    )
    update conversations c
    set status = dec.next::conversation_status,
        assignee_id = case when dec.next = 'queued' then null else c.assignee_id end,
        queued_at = case when dec.next = 'queued' then ${now.toISOString()}::timestamptz else c.queued_at end
    from dec
    -- Re-checked on the row itself: a visitor who just came back, or a chat
    -- reassigned meanwhile, is left alone (READ COMMITTED re-evaluates these).
    where c.id = dec.id and c.status = 'active' and c.visitor_offline_since <= ${cutoff}::timestamptz
      and c.assignee_id is not distinct from dec.prev
    returning c.id, dec.prev, dec.next`);
  return rowsOf<{ id: number; prev: number | null; next: string }>(res).map(toRelease);
}

/**
 * Agents gone longer than the 30 s grace: the chats whose visitor is waiting
 * (active) go back to the queue at once; parked offline chats stay with the
 * agent up to their offline limit (most recent first), the rest are queued.
 * One set-based UPDATE, however many agents left at once.
 */
export async function sweepAgentGrace({ db, now }: { db: Db; now: Date }): Promise<Release[]> {
  const graceCut = new Date(now.getTime() - AGENT_GRACE_MS).toISOString();
  const res = await db.execute(sql`
    with gone as (
      select u.id, u.offline_chat_limit from users u
      where u.role = 'agent'
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
    update conversations c
    set status = 'queued', assignee_id = null, queued_at = ${now.toISOString()}::timestamptz
    from ranked r
    where c.id = r.id and (r.status = 'active' or r.rn > r.lim)
      and c.status = r.status and c.assignee_id = r.assignee_id
    returning c.id, r.assignee_id as prev, 'queued' as next`);
  return rowsOf<{ id: number; prev: number | null; next: string }>(res).map(toRelease);
}

/**
 * Agents holding open chats whose console sent no heartbeat for 5 minutes:
 * sign them out (session version bump; the caller closes their sockets) and
 * release their chats to the queue. Returns the signed-out users and releases.
 */
export async function sweepInactiveAgents({ db, now }: { db: Db; now: Date }): Promise<{ userIds: number[]; released: Release[] }> {
  const cut = new Date(now.getTime() - AGENT_INACTIVITY_MS).toISOString();
  const idle = rowsOf<{ id: number }>(
    await db.execute(sql`
      select u.id from users u
      where u.role = 'agent'
        and (u.last_activity_at is null or u.last_activity_at <= ${cut}::timestamptz)
        and exists (select 1 from conversations c where c.assignee_id = u.id and c.status in ('active', 'offline'))`),
  ).map((r) => Number(r.id));
  if (idle.length === 0) return { userIds: [], released: [] };
  for (const id of idle) await bumpSessionVersion(db, id);
  await markSignedOut(db, idle, now);
  const ids = sql.join(idle.map((id) => sql`${id}`), sql`, `);
  const res = await db.execute(sql`
    update conversations c
    set status = 'queued', assignee_id = null, queued_at = ${now.toISOString()}::timestamptz
    from (select id, assignee_id from conversations where assignee_id in (${ids}) and status in ('active', 'offline')) r
    where c.id = r.id and c.assignee_id = r.assignee_id and c.status in ('active', 'offline')
    returning c.id, r.assignee_id as prev, 'queued' as next`);
  return { userIds: idle, released: rowsOf<{ id: number; prev: number | null; next: string }>(res).map(toRelease) };
}

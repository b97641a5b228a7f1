import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rowsOf, sqlBool } from "../../db/raw";
import { holdsSql } from "../auth/permissions";
import type { VisitorConversationView } from "../wire";
import { agentConnectedSql } from "./eligibility";

/** Chats the queue notices go to at most (oldest first): beyond that, the position arrives when they move up. */
const QUEUE_NOTICE_LIMIT = 100;

/** SQL: is any agent able to take a new chat right now (connected, Live Chat on, not on break)? */
function anyoneAvailableSql(now: Date) {
  return sql`exists (select 1 from users u where ${holdsSql("chat.receive_routed")} and u.on_break = false and ${agentConnectedSql(now)})`;
}

/**
 * The visitor's view of their chats, in one query: status, the answering
 * agent's display name, the queue position (in the drain's own order: oldest
 * `queued_at` first), whether anyone can answer now, and the previous chat.
 */
export async function loadVisitorViews(db: Db, ids: number[], now = new Date()): Promise<VisitorConversationView[]> {
  if (ids.length === 0) return [];
  const list = sql.join(ids.map((id) => sql`${id}`), sql`, `);
  const res = await db.execute(sql`
    select c.id, c.status, c.assigned_to_ai, u.display_name as agent_name,
           case when c.status = 'queued' then 1 + (
             select count(*) from conversations q
             where q.status = 'queued' and q.assigned_to_ai = false
               and (coalesce(q.queued_at, '-infinity'::timestamptz), q.id) < (coalesce(c.queued_at, '-infinity'::timestamptz), c.id)
           ) end as position,
           (select p.id from conversations p where p.visitor_id = c.visitor_id and p.id < c.id order by p.id desc limit 1) as previous_id,
           ${anyoneAvailableSql(now)} as available
    from conversations c left join users u on u.id = c.assignee_id
    where c.id in (${list})`);
  return rowsOf<{ id: number; status: VisitorConversationView["status"]; assigned_to_ai: unknown; agent_name: string | null; position: number | null; previous_id: number | null; available: unknown }>(res).map((r) => ({
    id: Number(r.id),
    status: r.status,
    agentName: sqlBool(r.assigned_to_ai) ? "Support" : r.agent_name,
    queuePosition: r.position === null ? null : Number(r.position),
    nobodyAvailable: r.status === "queued" && !sqlBool(r.available),
    previousConversationId: r.previous_id === null ? null : Number(r.previous_id),
  }));
}

export async function loadVisitorView(db: Db, id: number, now = new Date()): Promise<VisitorConversationView | null> {
  return (await loadVisitorViews(db, [id], now))[0] ?? null;
}

/** The queued chats whose visitors should hear a new position or availability (oldest first). */
export async function queuedForNotice(db: Db): Promise<number[]> {
  const res = await db.execute(sql`
    select c.id from conversations c where c.status = 'queued'
    order by c.queued_at nulls first, c.id limit ${QUEUE_NOTICE_LIMIT}`);
  return rowsOf<{ id: number }>(res).map((r) => Number(r.id));
}

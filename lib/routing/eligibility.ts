import { sql, type SQL } from "drizzle-orm";
import { holdsSql } from "../auth/permissions";
import { VISITOR_OFFLINE_GRACE_MS } from "../chat/lifecycle";
import { AGENT_GRACE_MS, PRESENCE_STALE_MS } from "./constants";

const iso = (d: Date) => d.toISOString();

/**
 * SQL: does agent `u` have a live console connection right now (on a live
 * instance)? New chats go only to such agents: the 30 s grace keeps an
 * agent's existing chats through a refresh, it never attracts new ones.
 */
export function agentConnectedSql(now: Date, alias = "u"): SQL {
  const staleCut = iso(new Date(now.getTime() - PRESENCE_STALE_MS));
  return sql.raw(
    `exists (select 1 from staff_presence p where p.user_id = ${alias}.id and p.connections > 0 and p.heartbeat_at > '${staleCut}'::timestamptz)`,
  );
}

/**
 * SQL: is agent `u` online at `now`? At least one live console connection on
 * a live instance, or disconnected for less than the 30 s grace (a refresh).
 * Presence lives in the database, so every instance agrees.
 */
export function agentOnlineSql(now: Date, alias = "u"): SQL {
  const graceCut = iso(new Date(now.getTime() - AGENT_GRACE_MS));
  return sql`(${agentConnectedSql(now, alias)} or ${sql.raw(`(${alias}.offline_since is not null and ${alias}.offline_since > '${graceCut}'::timestamptz)`)})`;
}

/** SQL: does the visitor of conversation `c` count as present (connected, or inside the 15 s grace)? */
export function visitorPresentSql(now: Date, alias = "c"): SQL {
  const cut = iso(new Date(now.getTime() - VISITOR_OFFLINE_GRACE_MS));
  return sql.raw(`(${alias}.visitor_offline_since is null or ${alias}.visitor_offline_since > '${cut}'::timestamptz)`);
}

/**
 * SQL condition: agent `u` may take a new chat from `phone` now. Connected
 * (not merely inside the refresh grace), Live Chat on, not on break, not disabled, below the limit that applies
 * (active chats when the visitor is present, parked offline chats when not),
 * and not already holding an open chat with the same phone number.
 */
export function eligibleAgentSql(now: Date, opts: { phone: string; visitorPresent: boolean; alias?: string }): SQL {
  const u = opts.alias ?? "u";
  const limitCheck = opts.visitorPresent
    ? sql.raw(`(select count(*) from conversations x where x.assignee_id = ${u}.id and x.status = 'active') < ${u}.active_chat_limit`)
    : sql.raw(`(select count(*) from conversations x where x.assignee_id = ${u}.id and x.status = 'offline') < ${u}.offline_chat_limit`);
  return sql`(${holdsSql("chat.receive_routed", u)} and ${sql.raw(`${u}.on_break = false`)}
    and ${agentConnectedSql(now, u)}
    and ${limitCheck}
    and not exists (select 1 from conversations y where y.assignee_id = ${sql.raw(u)}.id and y.status <> 'closed' and y.visitor_phone = ${opts.phone}))`;
}

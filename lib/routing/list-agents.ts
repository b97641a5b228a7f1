import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rowsOf, sqlBool } from "../../db/raw";
import type { StaffCtx } from "../ctx";
import { assertCan, roleHoldsSql } from "../auth/permissions";
import type { AgentPresence, AgentStatusDTO } from "../wire";
import { agentConnectedSql, agentOnlineSql } from "./eligibility";
import { AGENT_GRACE_MS } from "./constants";

export type { AgentPresence, AgentStatusDTO };

export type AgentStatus = {
  id: number;
  displayName: string;
  online: boolean;
  inGrace: boolean;
  onBreak: boolean;
  liveChatEnabled: boolean;
  activeCount: number;
  activeLimit: number;
  offlineCount: number;
  offlineLimit: number;
  /** Could take one more active chat right now (reassign targets). */
  eligible: boolean;
};

/** Who may see the agents' presence and load: reassign targets, and the supervisors' grid. */
export const LIST_AGENTS_PERMISSIONS = ["chat.reassign_own", "chat.assign_any", "chat.view_all"] as const;

/**
 * The one presence rule, from the columns `agentStatusSql` selects: online is
 * a live console; grace a console gone less than 30 s ago (a refresh — they
 * keep their chats, get no new ones); break an online agent taking no chats.
 */
export function presenceOf(r: Record<string, unknown>): AgentPresence {
  if (!sqlBool(r.online)) return "offline";
  if (sqlBool(r.on_break)) return "break";
  return sqlBool(r.connected) ? "online" : "grace";
}

/** Agents (`chat.receive_routed` roles) with presence and load, narrowed by `where`. */
function agentStatusSql(now: Date, where: SQL): SQL {
  return sql`
    select u.id, u.display_name, u.on_break, u.live_chat_enabled, u.disabled, u.active_chat_limit, u.offline_chat_limit, u.offline_since,
           ${agentConnectedSql(now)} as connected,
           ${agentOnlineSql(now)} as online,
           (select count(*) from conversations x where x.assignee_id = u.id and x.status = 'active')::int as active_count,
           (select count(*) from conversations x where x.assignee_id = u.id and x.status = 'offline')::int as offline_count
    from users u
    where ${roleHoldsSql("chat.receive_routed")} and ${where}
    order by u.display_name, u.id`;
}

function toDTO(r: Record<string, unknown>): AgentStatusDTO {
  const presence = presenceOf(r);
  return {
    id: Number(r.id),
    displayName: String(r.display_name),
    presence,
    graceEndsAt: presence === "grace" && r.offline_since ? new Date(new Date(r.offline_since as string).getTime() + AGENT_GRACE_MS).toISOString() : null,
    liveChatEnabled: sqlBool(r.live_chat_enabled),
    disabled: sqlBool(r.disabled),
    activeCount: Number(r.active_count),
    activeLimit: Number(r.active_chat_limit),
    offlineCount: Number(r.offline_count),
    offlineLimit: Number(r.offline_chat_limit),
  };
}

/** Every enabled agent's status (the Overview grid's first paint; frames keep it live). */
export async function loadAgentStatuses(db: Db, now: Date): Promise<AgentStatusDTO[]> {
  return rowsOf<Record<string, unknown>>(await db.execute(agentStatusSql(now, sql`u.disabled = false`))).map(toDTO);
}

/**
 * The status of the agents among `userIds`, plus the current assignees of
 * `conversationIds` (their load just changed), in one query. Disabled agents
 * are included (`disabled: true`), so a grid can drop them.
 */
export async function loadChangedAgentStatuses(db: Db, now: Date, p: { userIds: number[]; conversationIds: number[] }): Promise<AgentStatusDTO[]> {
  if (p.userIds.length === 0 && p.conversationIds.length === 0) return [];
  const list = (ids: number[]) => sql.join(ids.map((id) => sql`${id}`), sql`, `);
  const parts: SQL[] = [];
  if (p.userIds.length) parts.push(sql`u.id in (${list(p.userIds)})`);
  if (p.conversationIds.length) parts.push(sql`u.id in (select c.assignee_id from conversations c where c.id in (${list(p.conversationIds)}))`);
  return rowsOf<Record<string, unknown>>(await db.execute(agentStatusSql(now, sql`(${sql.join(parts, sql` or `)})`))).map(toDTO);
}

/** Agents with presence and load: reassign targets for agents, the agents-online grid for admins. */
export async function listAgentStatus({ ctx }: { ctx: StaffCtx }): Promise<AgentStatus[]> {
  assertCan(ctx.actor, LIST_AGENTS_PERMISSIONS);
  const rows = rowsOf<Record<string, unknown>>(await ctx.db.execute(agentStatusSql(ctx.now, sql`u.disabled = false`)));
  return rows.map((r) => {
    const a = toDTO(r);
    const online = sqlBool(r.connected);
    const onBreak = sqlBool(r.on_break);
    return {
      id: a.id,
      displayName: a.displayName,
      online,
      // Disconnected but inside the 30 s refresh grace: keeps their chats, gets no new ones.
      inGrace: !online && sqlBool(r.online),
      onBreak,
      liveChatEnabled: a.liveChatEnabled,
      activeCount: a.activeCount,
      activeLimit: a.activeLimit,
      offlineCount: a.offlineCount,
      offlineLimit: a.offlineLimit,
      eligible: online && !onBreak && a.liveChatEnabled && a.activeCount < a.activeLimit,
    };
  });
}

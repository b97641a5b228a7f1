import { sql } from "drizzle-orm";
import { rowsOf, sqlBool } from "../../db/raw";
import type { StaffCtx } from "../ctx";
import { assertCan, roleHoldsSql } from "../auth/permissions";
import { agentConnectedSql, agentOnlineSql } from "./eligibility";

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

/** Agents with presence and load: reassign targets for agents, the agents-online grid for admins. */
export async function listAgentStatus({ ctx }: { ctx: StaffCtx }): Promise<AgentStatus[]> {
  assertCan(ctx.actor, LIST_AGENTS_PERMISSIONS);
  const res = await ctx.db.execute(sql`
    select u.id, u.display_name, u.on_break, u.live_chat_enabled, u.active_chat_limit, u.offline_chat_limit,
           ${agentConnectedSql(ctx.now)} as connected,
           ${agentOnlineSql(ctx.now)} as online,
           (select count(*) from conversations x where x.assignee_id = u.id and x.status = 'active')::int as active_count,
           (select count(*) from conversations x where x.assignee_id = u.id and x.status = 'offline')::int as offline_count
    from users u
    where ${roleHoldsSql("chat.receive_routed")} and u.disabled = false
    order by u.display_name, u.id`);
  return rowsOf<Record<string, unknown>>(res).map((r) => {
    const online = sqlBool(r.connected);
    // Disconnected but inside the 30 s refresh grace: keeps their chats, gets no new ones.
    const inGrace = !online && sqlBool(r.online);
    const onBreak = sqlBool(r.on_break);
    const liveChatEnabled = sqlBool(r.live_chat_enabled);
    const activeCount = Number(r.active_count);
    const activeLimit = Number(r.active_chat_limit);
    return {
      id: Number(r.id),
      displayName: String(r.display_name),
      online,
      inGrace,
      onBreak,
      liveChatEnabled,
      activeCount,
      activeLimit,
      offlineCount: Number(r.offline_count),
      offlineLimit: Number(r.offline_chat_limit),
      eligible: online && !onBreak && liveChatEnabled && activeCount < activeLimit,
    };
  });
}

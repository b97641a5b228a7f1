import type { Db } from "../../db/client";
import type { StaffActor } from "../ctx";
import { can } from "../auth/permissions";
import { effects, type Effects } from "../verb";
import { setStaffConnections } from "./presence";

export { drainQueue, pickConversation, reassignConversation, agentOnline, lockCursor, type Assignment } from "./assign";
export { setOnBreak } from "./break";
export { setStaffConnections, heartbeatPresence, markSignedOut, recordActivity } from "./presence";
export { sweepAgentGrace, sweepInactiveAgents, sweepOfflineVisitors, releaseChatsOf, type Release } from "./sweepers";
export { listAgentStatus, loadAgentStatuses, LIST_AGENTS_PERMISSIONS, type AgentStatusDTO } from "./list-agents";
export { loadVisitorView, loadVisitorViews, queuedForNotice } from "./visitor-view";

/**
 * A staff console connection opened or closed on this instance. An agent
 * coming online is capacity: the queue drains, oldest first.
 */
export async function staffConnectionsChanged(
  db: Db,
  p: { actor: StaffActor; instanceId: string; connections: number; now: Date },
): Promise<Effects> {
  const { online } = await setStaffConnections(db, { userId: p.actor.userId, instanceId: p.instanceId, connections: p.connections, now: p.now });
  const routed = can(p.actor, "chat.receive_routed");
  // Supervisors see them come online, or their grace start (non-agents drop out of that query).
  return effects({ drain: online && p.connections > 0 && routed, queueChanged: routed, agentsChanged: [p.actor.userId] });
}

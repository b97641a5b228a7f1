import { sql } from "drizzle-orm";
import { z } from "zod";
import { rowsOf, sqlBool } from "../../db/raw";
import type { StaffCtx } from "../ctx";
import { assertCan } from "../auth/permissions";
import { getConversationOrThrow } from "../chat/access";
import { DbId } from "../validation";
import { visitorPresentSql } from "./eligibility";
import { listAgentStatus, type AgentStatus } from "./list-agents";

/**
 * Why an agent can't take this chat now, in the order `reassignConversation`
 * checks (so the reason shown is the one the server would give).
 */
export type AssignBlocker = "current" | "no_live_chat" | "on_break" | "reconnecting" | "offline" | "same_phone" | "full";

export type AssignTarget = AgentStatus & {
  /** Null: assigning to them would succeed now. */
  blocker: AssignBlocker | null;
};

export type AssignTargets = {
  conversationId: number;
  /** The visitor is here (or inside the 15 s grace): the active limit applies; otherwise the offline one. */
  visitorPresent: boolean;
  agents: AssignTarget[];
};

export const ListAssignTargetsInput = z.object({ conversationId: DbId });

/**
 * Every agent with presence and load, each with whether this chat could be
 * assigned to them now and, if not, why: already theirs, Live Chat off, on
 * break, reconnecting (inside the refresh grace: they keep chats, take none),
 * offline, already chatting with this phone number, or full. For the chat
 * modal's "Assign agent" list; the assignment itself re-checks all of it.
 */
export async function listAssignTargets({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<AssignTargets> {
  assertCan(ctx.actor, ["chat.assign_any", "chat.reassign_own"]);
  const { conversationId } = ListAssignTargetsInput.parse(input);
  const c = await getConversationOrThrow(ctx, conversationId, "read");
  const [agents, facts] = await Promise.all([
    listAgentStatus({ ctx }),
    ctx.db.execute(sql`
      select ${visitorPresentSql(ctx.now)} as present,
             coalesce((select array_agg(distinct y.assignee_id) from conversations y
                       where y.visitor_phone = c.visitor_phone and y.status <> 'closed' and y.id <> c.id and y.assignee_id is not null), '{}') as same_phone
      from conversations c where c.id = ${c.id}`),
  ]);
  const row = rowsOf<{ present: unknown; same_phone: unknown }>(facts)[0];
  const visitorPresent = sqlBool(row?.present);
  const samePhone = new Set(parseIds(row?.same_phone));
  const blockerOf = (a: AgentStatus): AssignBlocker | null => {
    if (a.id === c.assigneeId) return "current";
    if (!a.liveChatEnabled) return "no_live_chat";
    if (a.onBreak) return "on_break";
    if (!a.online) return a.inGrace ? "reconnecting" : "offline";
    if (samePhone.has(a.id)) return "same_phone";
    const full = visitorPresent ? a.activeCount >= a.activeLimit : a.offlineCount >= a.offlineLimit;
    return full ? "full" : null;
  };
  return { conversationId: c.id, visitorPresent, agents: agents.map((a) => ({ ...a, blocker: blockerOf(a) })) };
}

/** An int[] from either driver: node-postgres parses it, PGlite may hand back "{1,2}". */
function parseIds(v: unknown): number[] {
  if (Array.isArray(v)) return v.map(Number);
  if (typeof v === "string") return v.replace(/[{}]/g, "").split(",").filter(Boolean).map(Number);
  return [];
}

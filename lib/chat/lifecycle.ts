import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import { conversations, type ConversationStatus } from "../../db/schema";
import { rowsOf } from "../../db/raw";
import type { Ctx } from "../ctx";
import { AppError } from "../errors";

/** 15 s: brief tab switches and network blips must not flicker the agent's buckets (product brief). */
export const VISITOR_OFFLINE_GRACE_MS = 15_000;

/**
 * The conversation lifecycle: every change of a chat's status or assignee is
 * one of these events, and this table alone says where it leads.
 *
 * - `assign`: routing gives a queued chat to an agent (drain or pick).
 * - `reassign`: an open chat moves to another agent.
 * - `visitorReturned`: the visitor is back (a socket, or a message) — an
 *   offline chat wakes up with its agent.
 * - `visitorGone`: the visitor has been away longer than the 15 s grace — the
 *   chat parks in the agent's Offline bucket if they may hold it, else queues.
 * - `agentGone`: the agent left (30 s grace over, signed out, inactive, lost
 *   Live Chat) — the chat goes back to the queue.
 * - `close`: staff end the chat. A visitor writing afterwards starts a new one.
 */
export const LIFECYCLE_EVENTS = ["assign", "reassign", "visitorReturned", "visitorGone", "agentGone", "close"] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];
export const STATUSES = ["queued", "active", "offline", "closed"] as const satisfies readonly ConversationStatus[];

/** What the guards look at: is the visitor present (connected or inside the grace)? may the owner keep a parked chat? */
export type Guard = { visitorPresent: boolean; canPark: boolean };

const byPresence = (g: Guard): ConversationStatus => (g.visitorPresent ? "active" : "offline");

/** from-state → event → to-state. A missing entry: the event does not apply in that state. */
export const TRANSITIONS: Record<LifecycleEvent, Partial<Record<ConversationStatus, (g: Guard) => ConversationStatus>>> = {
  assign: { queued: byPresence },
  reassign: { active: byPresence, offline: byPresence },
  visitorReturned: { offline: () => "active" },
  visitorGone: { active: (g) => (g.canPark ? "offline" : "queued") },
  agentGone: { active: () => "queued", offline: () => "queued" },
  close: { queued: () => "closed", active: () => "closed", offline: () => "closed" },
};

/** Where `event` takes a chat in state `from`, or null when it doesn't apply. */
export function nextStatus(from: ConversationStatus, event: LifecycleEvent, guard: Guard): ConversationStatus | null {
  return TRANSITIONS[event][from]?.(guard) ?? null;
}

export function fromStates(event: LifecycleEvent): ConversationStatus[] {
  return Object.keys(TRANSITIONS[event]) as ConversationStatus[];
}

export type Change = {
  conversationId: number;
  event: LifecycleEvent;
  from: ConversationStatus;
  to: ConversationStatus;
  previousAssigneeId: number | null;
  assigneeId: number | null;
};

/** The columns that go with reaching `to` through `event`. */
function columnsFor(event: LifecycleEvent, to: ConversationStatus, ctx: Ctx, agentId?: number) {
  const c: Partial<typeof conversations.$inferInsert> = { status: to };
  if (to === "queued") Object.assign(c, { assigneeId: null, assignedToAi: false, queuedAt: ctx.now });
  if (event === "assign" || event === "reassign") {
    if (!agentId) throw new AppError("internal", `${event} needs an agent`);
    Object.assign(c, { assigneeId: agentId, assignedToAi: false, assignedAt: ctx.now });
  }
  if (event === "visitorReturned") Object.assign(c, { visitorOfflineSince: null, visitorLastSeenAt: ctx.now });
  if (to === "closed") Object.assign(c, { closedAt: ctx.now, closedById: ctx.actor.type === "staff" ? ctx.actor.userId : null });
  return c;
}

/**
 * Apply one event to one chat whose current row the caller has read (and,
 * for ownership changes, locked). The update re-checks that the row is still
 * in `expect`; if it moved meanwhile, nothing is written and null returned.
 * An event that doesn't apply in the chat's state is a `conflict`.
 */
export async function transition(
  ctx: Ctx,
  a: {
    conversationId: number;
    event: LifecycleEvent;
    expect: { status: ConversationStatus; assigneeId: number | null };
    guard?: Partial<Guard>;
    agentId?: number;
  },
): Promise<Change | null> {
  const guard: Guard = { visitorPresent: true, canPark: true, ...a.guard };
  const to = nextStatus(a.expect.status, a.event, guard);
  if (!to) throw new AppError("conflict", conflictMessage(a.event, a.expect.status));
  const rows = await ctx.db
    .update(conversations)
    .set(columnsFor(a.event, to, ctx, a.agentId))
    .where(
      and(
        eq(conversations.id, a.conversationId),
        eq(conversations.status, a.expect.status),
        a.expect.assigneeId === null ? isNull(conversations.assigneeId) : eq(conversations.assigneeId, a.expect.assigneeId),
      ),
    )
    .returning({ id: conversations.id, assigneeId: conversations.assigneeId });
  if (rows.length === 0) return null;
  return {
    conversationId: a.conversationId,
    event: a.event,
    from: a.expect.status,
    to,
    previousAssigneeId: a.expect.assigneeId,
    assigneeId: rows[0].assigneeId,
  };
}

/**
 * The same for many chats in one statement (the sweepers). Only events that
 * keep or clear the owner (`visitorGone`, `agentGone`, `close`) come this
 * way; each row is re-checked against the state it was decided on, plus the
 * caller's `recheck` condition on `c` (READ COMMITTED re-evaluates it on the
 * row's newest version), so a chat that moved meanwhile is left alone.
 */
export async function transitionMany(
  ctx: Ctx,
  event: Exclude<LifecycleEvent, "assign" | "reassign">,
  rows: { conversationId: number; from: ConversationStatus; previousAssigneeId: number | null; guard?: Partial<Guard> }[],
  recheck?: SQL,
): Promise<Change[]> {
  if (rows.length === 0) return [];
  const decided = rows.map((r) => {
    const to = nextStatus(r.from, event, { visitorPresent: true, canPark: true, ...r.guard });
    if (!to) throw new AppError("internal", `lifecycle: ${event} does not apply to a ${r.from} chat`);
    return { ...r, to };
  });
  const values = sql.join(
    decided.map((r) => sql`(${r.conversationId}::int, ${r.from}::text, ${r.previousAssigneeId}::int, ${r.to}::text)`),
    sql`, `,
  );
  const now = ctx.now.toISOString();
  const closer = ctx.actor.type === "staff" ? ctx.actor.userId : null;
  const res = await ctx.db.execute(sql`
    update conversations c
    set status = v.next::conversation_status,
        assignee_id = case when v.next = 'queued' then null else c.assignee_id end,
        assigned_to_ai = case when v.next = 'queued' then false else c.assigned_to_ai end,
        queued_at = case when v.next = 'queued' then ${now}::timestamptz else c.queued_at end,
        closed_at = case when v.next = 'closed' then ${now}::timestamptz else c.closed_at end,
        closed_by_id = case when v.next = 'closed' then ${closer}::int else c.closed_by_id end
    from (values ${values}) as v(id, prev_status, prev, next)
    where c.id = v.id and c.status = v.prev_status::conversation_status
      and c.assignee_id is not distinct from v.prev
      ${recheck ? sql`and ${recheck}` : sql``}
    returning c.id, v.prev_status, v.prev, v.next`);
  return rowsOf<{ id: number; prev_status: ConversationStatus; prev: number | null; next: ConversationStatus }>(res).map((r) => ({
    conversationId: Number(r.id),
    event,
    from: r.prev_status,
    to: r.next,
    previousAssigneeId: r.prev === null ? null : Number(r.prev),
    assigneeId: r.next === "queued" ? null : r.prev === null ? null : Number(r.prev),
  }));
}

function conflictMessage(event: LifecycleEvent, from: ConversationStatus): string {
  if (from === "closed") return "This chat is closed.";
  if (event === "assign") return "Someone else already took this chat.";
  return `This chat can't do that while it is ${from}.`;
}

/**
 * The visitor's first socket for this chat opened: cancel the grace, and
 * wake an offline chat (`visitorReturned`). Returns the wake, if any.
 */
export async function visitorCameOnline(ctx: Ctx, conversationId: number): Promise<Change | null> {
  const [c] = await ctx.db
    .select({ status: conversations.status, assigneeId: conversations.assigneeId })
    .from(conversations)
    .where(eq(conversations.id, conversationId));
  if (!c) return null;
  await ctx.db
    .update(conversations)
    .set({ visitorOfflineSince: null, visitorLastSeenAt: ctx.now })
    .where(eq(conversations.id, conversationId));
  if (!nextStatus(c.status, "visitorReturned", { visitorPresent: true, canPark: true })) return null;
  return transition(ctx, { conversationId, event: "visitorReturned", expect: c });
}

/** The visitor's last socket for this chat closed: start the 15 s grace. */
export async function visitorWentAway(ctx: Ctx, conversationId: number): Promise<void> {
  await ctx.db
    .update(conversations)
    .set({ visitorOfflineSince: ctx.now, visitorLastSeenAt: ctx.now })
    .where(and(eq(conversations.id, conversationId), isNull(conversations.visitorOfflineSince)));
}

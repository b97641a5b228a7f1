import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { rowsOf, sqlBool } from "../../db/raw";
import { conversations, roundRobinCursor, users } from "../../db/schema";
import { staffActor, withTransaction, type Ctx, type StaffCtx } from "../ctx";
import { assertCan, can, roleHoldsSql, rolesWith } from "../auth/permissions";
import { audit } from "../audit";
import { getConversationOrThrow } from "../chat/access";
import { transition } from "../chat/lifecycle";
import { AppError } from "../errors";
import { DbId } from "../validation";
import { effects, type VerbResult } from "../verb";
import { CURSOR_KEY } from "./constants";
import { agentConnectedSql, agentOnlineSql, eligibleAgentSql, visitorPresentSql } from "./eligibility";
import type { MessageDTO, RoutingNote, SkipReason } from "../wire";
import { appendSystemMessage } from "../chat/system-message";

export type Assignment = { conversationId: number; agentId: number; previousAgentId: number | null };

/**
 * Every change of chat ownership runs under this row lock: limits are counted
 * and the assignment written while no other assignment can interleave, so
 * simultaneous chats never both take an agent's last slot, and the cursor
 * moves in the same transaction as the assignment it records. The sweepers
 * take it too, so a park can't race a drain at an agent's offline limit.
 * Lock order: this lock first, then rows — an assignment's foreign key
 * share-locks the agent's user row, so a verb that locks a user row and then
 * this one would deadlock against a drain.
 */
export async function lockCursor(ctx: Ctx): Promise<number | null> {
  await ctx.db.insert(roundRobinCursor).values({ key: CURSOR_KEY }).onConflictDoNothing();
  const [row] = await ctx.db
    .select({ last: roundRobinCursor.lastUserId })
    .from(roundRobinCursor)
    .where(eq(roundRobinCursor.key, CURSOR_KEY))
    .for("update");
  return row?.last ?? null;
}

/** The next eligible agent after the cursor, wrapping around (round-robin by user id). */
async function nextAgent(ctx: Ctx, cursor: number | null, phone: string, visitorPresent: boolean): Promise<number | null> {
  const res = await ctx.db.execute(sql`
    select u.id from users u
    where ${eligibleAgentSql(ctx.now, { phone, visitorPresent })}
    order by (u.id <= ${cursor ?? 0}), u.id
    limit 1`);
  const r = rowsOf<{ id: number }>(res)[0];
  return r ? Number(r.id) : null;
}

/** Could any agent take any chat now (ignoring the per-chat phone rule)? */
async function anyCapacity(ctx: Ctx): Promise<boolean> {
  const none = "+00000000000000000000";
  const res = await ctx.db.execute(sql`
    select exists (select 1 from users u where ${eligibleAgentSql(ctx.now, { phone: none, visitorPresent: true })})
        or exists (select 1 from users u where ${eligibleAgentSql(ctx.now, { phone: none, visitorPresent: false })}) as ok`);
  return sqlBool(rowsOf<{ ok: unknown }>(res)[0]?.ok);
}

type QueuedRow = { id: number; visitor_phone: string; present: boolean };

/**
 * Assign queued chats, oldest first, to eligible agents in round-robin order
 * until the queue is empty or no agent has room. Each assignment is its own
 * short transaction under the cursor lock. Returns what it assigned (callers
 * publish after this returns; nothing is published inside a transaction).
 */
export async function drainQueue({ ctx, input = {} }: { ctx: Ctx; input?: { max?: number } }): Promise<VerbResult<Assignment[]>> {
  const max = input.max ?? 500;
  const now = ctx.now;
  const done: Assignment[] = [];
  const lines: MessageDTO[] = [];
  // Chats that found no agent this round (phone rule, or only offline capacity) are skipped, not retried.
  const skipped: number[] = [];
  while (done.length < max) {
    const r = await withTransaction(ctx, async (tx) => {
      const cursor = await lockCursor(tx);
      const skip = skipped.length ? sql`and c.id not in (${sql.join(skipped.map((id) => sql`${id}`), sql`, `)})` : sql``;
      const res = await tx.db.execute(sql`
        select c.id, c.visitor_phone, ${visitorPresentSql(now)} as present
        from conversations c
        where c.status = 'queued' and c.assigned_to_ai = false ${skip}
        order by c.queued_at nulls first, c.id
        limit 1
        for update skip locked`);
      const chat = rowsOf<QueuedRow>(res)[0];
      if (!chat) return { kind: "empty" as const };
      const present = sqlBool(chat.present);
      const agentId = await nextAgent(tx, cursor, chat.visitor_phone, present);
      if (!agentId) {
        // Nobody has room at all: stop here instead of trying every queued chat.
        if (!(await anyCapacity(tx))) return { kind: "empty" as const };
        return { kind: "skip" as const, id: Number(chat.id) };
      }
      const change = await transition(tx, {
        conversationId: Number(chat.id),
        event: "assign",
        expect: { status: "queued", assigneeId: null },
        guard: { visitorPresent: present },
        agentId,
      });
      if (!change) return { kind: "skip" as const, id: Number(chat.id) };
      await moveCursor(tx, agentId);
      const note = await explainRotation(tx, { cursor, phone: chat.visitor_phone, present, chosen: agentId });
      await writeNote(tx, Number(chat.id), note);
      const line = await appendSystemMessage(tx, Number(chat.id), `${note.agent.name} joined the chat`);
      return { kind: "assigned" as const, a: { conversationId: Number(chat.id), agentId, previousAgentId: null }, line };
    });
    if (r.kind === "empty") break;
    if (r.kind === "skip") {
      skipped.push(r.id);
      if (skipped.length > 200) break;
      continue;
    }
    done.push(r.a);
    lines.push(r.line);
  }
  return { result: done, effects: assignmentEffects(done, lines) };
}

const toAssignment = ({ conversationId, agentId, previousAgentId }: Assignment): Assignment => ({ conversationId, agentId, previousAgentId });

async function moveCursor(ctx: Ctx, agentId: number) {
  await ctx.db.update(roundRobinCursor).set({ lastUserId: agentId, updatedAt: ctx.now }).where(eq(roundRobinCursor.key, CURSOR_KEY));
}

/** New owners, old owners and the chats' rooms hear about assignments; a freed slot drains the queue. */
function assignmentEffects(done: Assignment[], lines: MessageDTO[]) {
  return effects({
    messages: lines.map((message, i) => ({ message, assigneeId: done[i].agentId })),
    conversations: done.map((a) => ({ id: a.conversationId, previousAssigneeId: a.previousAgentId })),
    drain: done.some((a) => a.previousAgentId !== null),
    // A chat taken from the queue moves everyone behind it up a place.
    queueChanged: done.some((a) => a.previousAgentId === null),
  });
}

/** Agents in a fresh console or chat-free state pick chats from the Unassigned bucket. */
export async function pickConversation({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<Assignment>> {
  const { conversationId } = z.object({ conversationId: DbId }).parse(input);
  assertCan(ctx.actor, "chat.pick_queued");
  await getConversationOrThrow(ctx, conversationId, "read");
  return withTransaction(ctx, async (tx) => {
    const a = await assignTo(tx, conversationId, ctx.actor.userId, { requireQueued: true, checkBreak: false });
    const me = { id: ctx.actor.userId, name: ctx.actor.displayName };
    await writeNote(tx, conversationId, { kind: "picked", at: ctx.now.toISOString(), agent: me });
    const line = await appendSystemMessage(tx, conversationId, `${me.name} joined the chat`);
    await audit(tx, "conversation.pick", { type: "conversation", id: conversationId }, { agentId: a.agentId });
    return { result: toAssignment(a), effects: assignmentEffects([a], [line]) };
  });
}

export const AssignInput = z.object({ conversationId: DbId, agentId: DbId });

/**
 * Reassign: an agent hands their own chat to another agent; an admin or
 * manager assigns any chat to any agent. Either way the target is validated
 * here (online, Live Chat on, not on break, below their limit).
 */
export async function reassignConversation({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<Assignment>> {
  const { conversationId, agentId } = AssignInput.parse(input);
  assertCan(ctx.actor, ["chat.assign_any", "chat.reassign_own"]);
  const c = await getConversationOrThrow(ctx, conversationId, "read");
  const any = can(ctx.actor, "chat.assign_any");
  if (!any && c.assigneeId !== ctx.actor.userId) throw new AppError("forbidden", "You can only hand off your own chats.");
  if (c.status === "closed") throw new AppError("conflict", "This chat is closed.");
  if (c.assigneeId === agentId) throw new AppError("conflict", "The chat is already assigned to that agent.");
  return withTransaction(ctx, async (tx) => {
    // Checked again under the lock: the chat may have moved since it was read.
    const a = await assignTo(tx, conversationId, agentId, { requireQueued: false, checkBreak: true, requireOwner: any ? undefined : ctx.actor.userId });
    await writeNote(tx, conversationId, {
      kind: "assigned",
      at: ctx.now.toISOString(),
      agent: { id: agentId, name: a.agentName },
      by: { id: ctx.actor.userId, name: ctx.actor.displayName },
    });
    // The visitor sees who answers now; a chat taken from the queue is "joined", a moved one "taken over".
    const line = await appendSystemMessage(tx, conversationId, a.previousAgentId === null ? `${a.agentName} joined the chat` : `${a.agentName} took over the chat`);
    await audit(tx, "conversation.assign", { type: "conversation", id: conversationId }, { agentId, previousAgentId: a.previousAgentId });
    return { result: toAssignment(a), effects: assignmentEffects([a], [line]) };
  });
}

async function assignTo(
  ctx: Ctx,
  conversationId: number,
  agentId: number,
  opts: { requireQueued: boolean; checkBreak: boolean; requireOwner?: number },
): Promise<Assignment & { agentName: string }> {
  const now = ctx.now;
  const tx = ctx.db;
  await lockCursor(ctx);
  const res = await tx.execute(sql`
    select c.id, c.status, c.assignee_id, c.visitor_phone, ${visitorPresentSql(now)} as present
    from conversations c where c.id = ${conversationId} for update`);
  const chat = rowsOf<{ id: number; status: "queued" | "active" | "offline" | "closed"; assignee_id: number | null; visitor_phone: string; present: boolean }>(res)[0];
  if (!chat) throw new AppError("not_found", "Conversation not found.");
  if (opts.requireQueued && chat.status !== "queued") throw new AppError("conflict", "Someone else already took this chat.");
  if (chat.status === "closed") throw new AppError("conflict", "This chat is closed.");
  const currentOwner = chat.assignee_id === null ? null : Number(chat.assignee_id);
  if (opts.requireOwner !== undefined && currentOwner !== opts.requireOwner) {
    throw new AppError("forbidden", "You can only hand off your own chats.");
  }
  if (currentOwner === agentId) throw new AppError("conflict", "The chat is already assigned to that agent.");

  const [target] = await tx.select().from(users).where(eq(users.id, agentId)).limit(1);
  if (!target || target.disabled || !rolesWith("chat.receive_routed").includes(target.role)) {
    throw new AppError("bad_request", "Choose an active agent.");
  }
  if (!can(staffActor(target), "chat.receive_routed")) throw new AppError("conflict", `${target.displayName} doesn't have Live Chat permission.`);
  if (opts.checkBreak && target.onBreak) throw new AppError("conflict", `${target.displayName} is on break.`);

  const present = sqlBool(chat.present);
  const check = await tx.execute(sql`
    select
      (select count(*) from conversations x where x.assignee_id = ${agentId} and x.status = 'active')::int as active,
      (select count(*) from conversations x where x.assignee_id = ${agentId} and x.status = 'offline')::int as offline,
      exists (select 1 from conversations y where y.assignee_id = ${agentId} and y.status <> 'closed'
              and y.visitor_phone = ${chat.visitor_phone} and y.id <> ${conversationId}) as same_phone`);
  const t = rowsOf<{ active: number; offline: number; same_phone: boolean | string }>(check)[0];
  // A handed-over chat is a new chat for its target: only a connected agent takes it (not one inside the refresh grace).
  if (!(await agentConnected(tx, agentId, now))) throw new AppError("conflict", `${target.displayName} is offline.`);
  if (sqlBool(t.same_phone)) throw new AppError("conflict", `${target.displayName} already has a chat with this phone number.`);
  if (present && Number(t.active) >= target.activeChatLimit) {
    throw new AppError("conflict", `${target.displayName} is at their limit of ${target.activeChatLimit} active chats.`);
  }
  if (!present && Number(t.offline) >= target.offlineChatLimit) {
    throw new AppError("conflict", `${target.displayName} is at their limit of ${target.offlineChatLimit} offline chats.`);
  }
  const change = await transition(ctx, {
    conversationId,
    event: chat.status === "queued" ? "assign" : "reassign",
    expect: { status: chat.status, assigneeId: currentOwner },
    guard: { visitorPresent: present },
    agentId,
  });
  if (!change) throw new AppError("conflict", "This chat changed meanwhile. Try again.");
  return { conversationId, agentId, previousAgentId: currentOwner, agentName: target.displayName };
}

/** Online in the routing sense: connected, or inside the 30 s refresh grace (existing chats stay). */
export async function agentOnline(db: Db, userId: number, now: Date): Promise<boolean> {
  const res = await db.execute(sql`select ${agentOnlineSql(now)} as online from users u where u.id = ${userId}`);
  return sqlBool(rowsOf<{ online: unknown }>(res)[0]?.online);
}

export async function agentConnected(db: Db, userId: number, now: Date): Promise<boolean> {
  const res = await db.execute(sql`select ${agentConnectedSql(now)} as online from users u where u.id = ${userId}`);
  return sqlBool(rowsOf<{ online: unknown }>(res)[0]?.online);
}

async function writeNote(ctx: Ctx, conversationId: number, note: RoutingNote) {
  await ctx.db.update(conversations).set({ routingNote: note }).where(eq(conversations.id, conversationId));
}

type RotationRow = {
  id: number;
  name: string;
  live_chat_enabled: unknown;
  on_break: unknown;
  connected: unknown;
  active: number;
  active_chat_limit: number;
  offline: number;
  offline_chat_limit: number;
  same_phone: unknown;
};

/**
 * Why round-robin chose `chosen`: the agents in rotation order after the
 * cursor, each one passed over with the first rule that excluded them. Read
 * in the assignment's own transaction, so it describes the state the choice
 * was made on.
 */
async function explainRotation(
  ctx: Ctx,
  a: { cursor: number | null; phone: string; present: boolean; chosen: number },
): Promise<RoutingNote> {
  const res = await ctx.db.execute(sql`
    select u.id, u.display_name as name, u.live_chat_enabled, u.on_break,
           ${agentConnectedSql(ctx.now)} as connected,
           (select count(*) from conversations x where x.assignee_id = u.id and x.status = 'active')::int as active, u.active_chat_limit,
           (select count(*) from conversations x where x.assignee_id = u.id and x.status = 'offline')::int as offline, u.offline_chat_limit,
           exists (select 1 from conversations y where y.assignee_id = u.id and y.status <> 'closed'
                   and y.visitor_phone = ${a.phone}) as same_phone
    from users u
    where ${roleHoldsSql("chat.receive_routed")} and u.disabled = false
    order by (u.id <= ${a.cursor ?? 0}), u.id
    limit 100`);
  const rows = rowsOf<RotationRow>(res);
  const skipped: NonNullable<RoutingNote["skipped"]> = [];
  let position = 0;
  let chosenName = "";
  for (const r of rows) {
    position++;
    if (Number(r.id) === a.chosen) {
      chosenName = r.name;
      break;
    }
    skipped.push({ id: Number(r.id), name: r.name, reason: skipReason(r, a.present) });
  }
  return { kind: "rotation", at: ctx.now.toISOString(), agent: { id: a.chosen, name: chosenName }, position, skipped };
}

function skipReason(r: RotationRow, present: boolean): SkipReason {
  if (!sqlBool(r.live_chat_enabled)) return "no_live_chat";
  if (sqlBool(r.on_break)) return "on_break";
  if (!sqlBool(r.connected)) return "absent";
  const full = present ? Number(r.active) >= Number(r.active_chat_limit) : Number(r.offline) >= Number(r.offline_chat_limit);
  if (full) return "full";
  return "same_phone";
}

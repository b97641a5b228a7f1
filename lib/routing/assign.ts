import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { rowsOf, sqlBool } from "../../db/raw";
import { conversations, roundRobinCursor, users } from "../../db/schema";
import type { StaffCtx } from "../auth/ctx";
import { assertCan, can } from "../auth/permissions";
import { getConversationOrThrow } from "../chat/access";
import { AppError } from "../errors";
import { CURSOR_KEY } from "./constants";
import { agentOnlineSql, eligibleAgentSql, visitorPresentSql } from "./eligibility";
import { DbId } from "../validation";

export type Assignment = { conversationId: number; agentId: number; previousAgentId: number | null };

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * Every change of chat ownership runs under this row lock: limits are counted
 * and the assignment written while no other assignment can interleave, so
 * simultaneous chats never both take an agent's last slot, and the cursor
 * moves in the same transaction as the assignment it records.
 */
async function lockCursor(tx: Tx): Promise<number | null> {
  await tx.insert(roundRobinCursor).values({ key: CURSOR_KEY }).onConflictDoNothing();
  const [row] = await tx
    .select({ last: roundRobinCursor.lastUserId })
    .from(roundRobinCursor)
    .where(eq(roundRobinCursor.key, CURSOR_KEY))
    .for("update");
  return row?.last ?? null;
}


/** The next eligible agent after the cursor, wrapping around (round-robin by user id). */
async function nextAgent(tx: Tx, now: Date, cursor: number | null, phone: string, visitorPresent: boolean): Promise<number | null> {
  const res = await tx.execute(sql`
    select u.id from users u
    where ${eligibleAgentSql(now, { phone, visitorPresent })}
    order by (u.id <= ${cursor ?? 0}), u.id
    limit 1`);
  const r = rowsOf<{ id: number }>(res)[0];
  return r ? Number(r.id) : null;
}

/** Could any agent take any chat now (ignoring the per-chat phone rule)? */
async function anyCapacity(tx: Tx, now: Date): Promise<boolean> {
  const none = "+00000000000000000000";
  const res = await tx.execute(sql`
    select exists (select 1 from users u where ${eligibleAgentSql(now, { phone: none, visitorPresent: true })})
        or exists (select 1 from users u where ${eligibleAgentSql(now, { phone: none, visitorPresent: false })}) as ok`);
  return sqlBool(rowsOf<{ ok: unknown }>(res)[0]?.ok);
}

type QueuedRow = { id: number; visitor_phone: string; present: boolean };

/**
 * Assign queued chats, oldest first, to eligible agents in round-robin order
 * until the queue is empty or no agent has room. Each assignment is its own
 * short transaction under the cursor lock. Returns what it assigned (callers
 * publish after this returns; nothing is published inside a transaction).
 */
export async function drainQueue(db: Db, now: Date, opts: { max?: number } = {}): Promise<Assignment[]> {
  const max = opts.max ?? 500;
  const done: Assignment[] = [];
  // Chats that found no agent this round (phone rule, or only offline capacity) are skipped, not retried.
  const skipped: number[] = [];
  while (done.length < max) {
    const r = await db.transaction(async (tx) => {
      const cursor = await lockCursor(tx);
      const skip = skipped.length ? sql`and c.id not in (${sql.join(skipped.map((id) => sql`${id}`), sql`, `)})` : sql``;
      const res = await tx.execute(sql`
        select c.id, c.visitor_phone, ${visitorPresentSql(now)} as present
        from conversations c
        where c.status = 'queued' and c.assigned_to_ai = false ${skip}
        order by c.queued_at nulls first, c.id
        limit 1
        for update skip locked`);
      const chat = rowsOf<QueuedRow>(res)[0];
      if (!chat) return { kind: "empty" as const };
      const present = sqlBool(chat.present);
      const agentId = await nextAgent(tx, now, cursor, chat.visitor_phone, present);
      if (!agentId) {
        // Nobody has room at all: stop here instead of trying every queued chat.
        if (!(await anyCapacity(tx, now))) return { kind: "empty" as const };
        return { kind: "skip" as const, id: Number(chat.id) };
      }
      await tx
        .update(conversations)
        .set({ status: present ? "active" : "offline", assigneeId: agentId, assignedAt: now })
        .where(and(eq(conversations.id, Number(chat.id)), eq(conversations.status, "queued")));
      await tx.update(roundRobinCursor).set({ lastUserId: agentId, updatedAt: now }).where(eq(roundRobinCursor.key, CURSOR_KEY));
      return { kind: "assigned" as const, a: { conversationId: Number(chat.id), agentId, previousAgentId: null } };
    });
    if (r.kind === "empty") break;
    if (r.kind === "skip") {
      skipped.push(r.id);
      if (skipped.length > 200) break;
      continue;
    }
    done.push(r.a);
  }
  return done;
}

/** Agents in a fresh console or chat-free state pick chats from the Unassigned bucket. */
export async function pickConversation({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<Assignment> {
  const { conversationId } = z.object({ conversationId: DbId }).parse(input);
  assertCan(ctx.actor, "chat.pick_queued");
  await getConversationOrThrow(ctx, conversationId, "read");
  return assignTo(ctx.db, ctx.now, conversationId, ctx.actor.userId, { requireQueued: true, checkBreak: false });
}

export const AssignInput = z.object({ conversationId: DbId, agentId: DbId });

/**
 * Reassign: an agent hands their own chat to another agent; an admin or
 * manager assigns any chat to any agent. Either way the target is validated
 * here (online, Live Chat on, not on break, below their limit).
 */
export async function reassignConversation({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<Assignment> {
  const { conversationId, agentId } = AssignInput.parse(input);
  const c = await getConversationOrThrow(ctx, conversationId, "read");
  if (!can(ctx.actor, "chat.assign_any")) {
    assertCan(ctx.actor, "chat.reassign_own");
    if (c.assigneeId !== ctx.actor.userId) throw new AppError("forbidden", "You can only hand off your own chats.");
  }
  if (c.status === "closed") throw new AppError("conflict", "This chat is closed.");
  if (c.assigneeId === agentId) throw new AppError("conflict", "The chat is already assigned to that agent.");
  // Checked again under the lock: the chat may have moved since it was read.
  const requireOwner = can(ctx.actor, "chat.assign_any") ? undefined : ctx.actor.userId;
  return assignTo(ctx.db, ctx.now, conversationId, agentId, { requireQueued: false, checkBreak: true, requireOwner });
}

async function assignTo(
  db: Db,
  now: Date,
  conversationId: number,
  agentId: number,
  opts: { requireQueued: boolean; checkBreak: boolean; requireOwner?: number },
): Promise<Assignment> {
  return db.transaction(async (tx) => {
    await lockCursor(tx);
    const res = await tx.execute(sql`
      select c.id, c.status, c.assignee_id, c.visitor_phone, ${visitorPresentSql(now)} as present
      from conversations c where c.id = ${conversationId} for update`);
    const chat = rowsOf<{ id: number; status: string; assignee_id: number | null; visitor_phone: string; present: boolean }>(res)[0];
    if (!chat) throw new AppError("not_found", "Conversation not found.");
    if (opts.requireQueued && chat.status !== "queued") throw new AppError("conflict", "Someone else already took this chat.");
    if (chat.status === "closed") throw new AppError("conflict", "This chat is closed.");
    if (opts.requireOwner !== undefined && Number(chat.assignee_id) !== opts.requireOwner) {
      throw new AppError("forbidden", "You can only hand off your own chats.");
    }
    if (chat.assignee_id !== null && Number(chat.assignee_id) === agentId) {
      throw new AppError("conflict", "The chat is already assigned to that agent.");
    }

    const [target] = await tx.select().from(users).where(eq(users.id, agentId)).limit(1);
    if (!target || target.role !== "agent" || target.disabled) throw new AppError("bad_request", "Choose an active agent.");
    if (!target.liveChatEnabled) throw new AppError("conflict", `${target.displayName} doesn't have Live Chat permission.`);
    if (opts.checkBreak && target.onBreak) throw new AppError("conflict", `${target.displayName} is on break.`);

    const present = sqlBool(chat.present);
    const check = await tx.execute(sql`
      select
        (select count(*) from conversations x where x.assignee_id = ${agentId} and x.status = 'active')::int as active,
        (select count(*) from conversations x where x.assignee_id = ${agentId} and x.status = 'offline')::int as offline,
        exists (select 1 from conversations y where y.assignee_id = ${agentId} and y.status <> 'closed'
                and y.visitor_phone = ${chat.visitor_phone} and y.id <> ${conversationId}) as same_phone`);
    const t = rowsOf<{ active: number; offline: number; same_phone: boolean | string }>(check)[0];
    const activeCount = Number(t.active);
    const offlineCount = Number(t.offline);
    if (!(await agentOnline(tx, agentId, now))) throw new AppError("conflict", `${target.displayName} is offline.`);
    if (sqlBool(t.same_phone)) throw new AppError("conflict", `${target.displayName} already has a chat with this phone number.`);
    if (present && activeCount >= target.activeChatLimit) {
      throw new AppError("conflict", `${target.displayName} is at their limit of ${target.activeChatLimit} active chats.`);
    }
    if (!present && offlineCount >= target.offlineChatLimit) {
      throw new AppError("conflict", `${target.displayName} is at their limit of ${target.offlineChatLimit} offline chats.`);
    }
    await tx
      .update(conversations)
      .set({ assigneeId: agentId, assignedToAi: false, status: present ? "active" : "offline", assignedAt: now })
      .where(eq(conversations.id, conversationId));
    return { conversationId, agentId, previousAgentId: chat.assignee_id === null ? null : Number(chat.assignee_id) };
  });
}

export async function agentOnline(db: Db | Tx, userId: number, now: Date): Promise<boolean> {
  const res = await db.execute(sql`select ${agentOnlineSql(now)} as online from users u where u.id = ${userId}`);
  return sqlBool(rowsOf<{ online: unknown }>(res)[0]?.online);
}

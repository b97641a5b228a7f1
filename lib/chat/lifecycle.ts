import { and, eq, isNull, ne } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { conversations } from "../../db/schema";
import type { Ctx } from "../auth/ctx";
import { assertCan } from "../auth/permissions";
import { AppError } from "../errors";
import { getConversationOrThrow } from "./access";
import { DbId } from "../validation";

/** 15 s: brief tab switches and network blips must not flicker the agent's buckets (product brief). */
export const VISITOR_OFFLINE_GRACE_MS = 15_000;

export const CloseInput = z.object({ conversationId: DbId });

/** Explicit close by staff (agents: their own chats). The visitor sees "this chat has ended". */
export async function closeConversation({ ctx, input }: { ctx: Ctx; input: unknown }) {
  const { conversationId } = CloseInput.parse(input);
  if (ctx.actor.type !== "staff") throw new AppError("forbidden", "Only staff can close chats.");
  assertCan(ctx.actor, "chat.close");
  const c = await getConversationOrThrow(ctx, conversationId, "write");
  if (c.status === "closed") return { changed: false, conversationId };
  await ctx.db
    .update(conversations)
    .set({ status: "closed", closedAt: ctx.now, closedById: ctx.actor.userId })
    .where(and(eq(conversations.id, conversationId), ne(conversations.status, "closed")));
  return { changed: true, conversationId };
}

/** The visitor's first socket for this chat opened: cancel the grace, wake an offline chat. */
export async function visitorCameOnline(db: Db, conversationId: number, now: Date): Promise<boolean> {
  const [c] = await db
    .select({ status: conversations.status, assigneeId: conversations.assigneeId })
    .from(conversations)
    .where(eq(conversations.id, conversationId));
  if (!c) return false;
  const wake = c.status === "offline" && c.assigneeId !== null;
  await db
    .update(conversations)
    .set({ visitorOfflineSince: null, visitorLastSeenAt: now, ...(wake ? { status: "active" as const } : {}) })
    .where(eq(conversations.id, conversationId));
  return wake;
}

/** The visitor's last socket for this chat closed: start the 15 s grace. */
export async function visitorWentAway(db: Db, conversationId: number, now: Date): Promise<void> {
  await db
    .update(conversations)
    .set({ visitorOfflineSince: now, visitorLastSeenAt: now })
    .where(and(eq(conversations.id, conversationId), isNull(conversations.visitorOfflineSince)));
}

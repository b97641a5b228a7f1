import { eq } from "drizzle-orm";
import { conversations } from "../../db/schema";
import type { Actor, Ctx } from "../ctx";
import { can } from "../auth/permissions";
import { AppError } from "../errors";

export type Conversation = typeof conversations.$inferSelect;

/**
 * May this actor see the conversation? Visitors: only their own. Admin,
 * manager, QA: any. Agents (with Live Chat): their own (any status), the
 * queue, and teammates' open chats read-only (the "Others" bucket) — not
 * teammates' closed chats, nor chats the AI is handling.
 */
export function canRead(actor: Actor, c: Conversation): boolean {
  switch (actor.type) {
    case "visitor":
      return c.visitorId === actor.visitorId && c.projectId === actor.projectId;
    case "staff":
      if (can(actor, "chat.view_all")) return true;
      if (!can(actor, "chat.view_own")) return false;
      if (c.assigneeId === actor.userId) return true;
      if (c.status === "queued") return true;
      return (c.status === "active" || c.status === "offline") && c.assigneeId !== null;
    case "system":
      return true;
    case "anonymous":
      return false;
  }
}

/**
 * May this actor write into it (send, typing, receipts)? Visitors: their own.
 * Admin/manager: any (reply from the chat modal). Agents: only chats assigned
 * to them. QA never writes.
 */
export function canWrite(actor: Actor, c: Conversation): boolean {
  switch (actor.type) {
    case "visitor":
      return canRead(actor, c);
    case "staff":
      if (!can(actor, "chat.reply")) return false;
      return can(actor, "chat.reply_any") || c.assigneeId === actor.userId;
    case "system":
      return true;
    case "anonymous":
      return false;
  }
}

/**
 * Load a conversation the actor may read (or write), else `not_found` — the
 * same answer whether it doesn't exist or belongs to someone else.
 */
export async function getConversationOrThrow(
  ctx: Ctx,
  id: number,
  mode: "read" | "write" = "read",
  opts: { lock?: boolean } = {},
): Promise<Conversation> {
  const q = ctx.db.select().from(conversations).where(eq(conversations.id, id)).limit(1);
  // Inside a transaction, `lock` holds the row until commit: the decision and the change see one state.
  const [c] = opts.lock ? await q.for("update") : await q;
  if (!c || !canRead(ctx.actor, c)) throw new AppError("not_found", "Conversation not found.");
  if (mode === "write" && !canWrite(ctx.actor, c)) {
    throw new AppError("forbidden", "You can't write in this conversation.");
  }
  return c;
}

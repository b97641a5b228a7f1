import { randomUUID } from "node:crypto";
import { desc, eq } from "drizzle-orm";
import { conversations, messages } from "../../db/schema";
import type { Ctx } from "../ctx";
import { AppError } from "../errors";
import type { MessageDTO } from "../wire";
import { loadMessageDTO } from "./dto";

/**
 * A line in the thread from the system ("Ann joined the chat"), seen by the
 * visitor and staff alike and kept with the history. Runs inside the caller's
 * transaction, after the conversation's row lock (as every insert into a chat
 * does, so ids commit in order and the prevId chain holds). It is not activity:
 * the inbox order and preview stay as they are.
 */
export async function appendSystemMessage(ctx: Ctx, conversationId: number, body: string): Promise<MessageDTO> {
  if (!ctx.inTx) throw new AppError("internal", "appendSystemMessage outside a transaction");
  await ctx.db.select({ id: conversations.id }).from(conversations).where(eq(conversations.id, conversationId)).for("update");
  const [prev] = await ctx.db
    .select({ id: messages.id })
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(desc(messages.conversationId), desc(messages.id))
    .limit(1);
  const [m] = await ctx.db
    .insert(messages)
    .values({ conversationId, senderKind: "system", senderId: null, body, clientMsgId: `sys-${randomUUID()}`, createdAt: ctx.now })
    .returning({ id: messages.id });
  return { ...(await loadMessageDTO(ctx.db, m.id)), prevId: prev?.id ?? 0 };
}

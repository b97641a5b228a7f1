import { z } from "zod";
import { withTransaction, type Ctx } from "../ctx";
import { assertCan } from "../auth/permissions";
import { audit } from "../audit";
import { AppError } from "../errors";
import { DbId } from "../validation";
import { effects, noEffects, type VerbResult } from "../verb";
import { getConversationOrThrow } from "./access";
import { transition } from "./lifecycle";

export const CloseInput = z.object({ conversationId: DbId });

/**
 * Explicit close by staff (agents: their own chats). The visitor sees "this
 * chat has ended"; the freed slot goes to the oldest waiting chat.
 */
export async function closeConversation({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<VerbResult<{ changed: boolean; conversationId: number }>> {
  const { conversationId } = CloseInput.parse(input);
  if (ctx.actor.type !== "staff") throw new AppError("forbidden", "Only staff can close chats.");
  assertCan(ctx.actor, "chat.close");
  return withTransaction(ctx, async (tx) => {
    const c = await getConversationOrThrow(tx, conversationId, "write", { lock: true });
    if (c.status === "closed") return { result: { changed: false, conversationId }, effects: noEffects() };
    const change = await transition(tx, { conversationId, event: "close", expect: c });
    if (!change) throw new AppError("conflict", "This chat changed meanwhile. Try again.");
    await audit(tx, "conversation.close", { type: "conversation", id: conversationId }, { from: change.from, assigneeId: change.previousAssigneeId });
    return {
      result: { changed: true, conversationId },
      effects: effects({
        conversations: [{ id: conversationId, previousAssigneeId: change.previousAssigneeId }],
        drain: true,
        // A queued chat closed: the ones behind it move up.
        queueChanged: change.from === "queued",
      }),
    };
  });
}

import { z } from "zod";
import { audit } from "../audit";
import { assertCan } from "../auth/permissions";
import { getConversationOrThrow } from "../chat/access";
import { closeConversation } from "../chat/close-conversation";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { strikeSubject } from "../security/client-ip";
import { DbId } from "../validation";
import type { VerbResult } from "../verb";
import { blockAddress } from "./block-address";

export const BlockVisitorInput = z
  .object({
    conversationId: DbId,
    reason: z.string().trim().min(1, "Say why: the reason goes in the audit log.").max(500, "Keep the reason under 500 characters."),
  })
  .strict();

export type BlockVisitorResult = {
  conversationId: number;
  /** What was blocked: the address, or for IPv6 the /64 the strike rules count as one client. */
  address: string;
  blockId: number;
  /** False when that address was already blocked by hand (the existing block stands). */
  created: boolean;
  /** False when the chat was already closed. */
  closed: boolean;
};

/**
 * Block a chat's visitor in one click (the back office chat modal): the IP
 * captured when the chat started is blocked with the reason and operator, and
 * the chat is closed through the lifecycle — in one transaction with its audit
 * rows, so a refused block (allow-listed, the operator's own address) closes
 * nothing. A chat with no captured IP is a 409: there is nothing to block.
 *
 * The block is written but not yet applied in this process: the caller
 * applies the effects first (the visitor sees "this chat has ended"), then
 * reloads the block list with `refreshIpBlocks`, which closes the visitor's
 * sockets and refuses their next request; other instances follow within one
 * refresh interval.
 */
export async function blockVisitor({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<BlockVisitorResult>> {
  assertCan(ctx.actor, "visitor.block");
  const data = BlockVisitorInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const c = await getConversationOrThrow(tx, data.conversationId, "read");
    if (!c.ip) {
      throw new AppError("conflict", "No IP address was captured when this chat started, so there is nothing to block. Close the chat instead.");
    }
    // An IPv6 visitor holds a whole /64: one address of it would be no block at all.
    const block = await blockAddress({ ctx: tx, input: { address: strikeSubject(c.ip), reason: data.reason } });
    const close = await closeConversation({ ctx: tx, input: { conversationId: c.id } });
    await audit(tx, "visitor.block", { type: "conversation", id: c.id }, {
      address: block.result.address,
      blockId: block.result.id,
      newBlock: block.result.created,
      reason: data.reason,
      operator: ctx.actor.displayName,
      closed: close.result.changed,
    });
    return {
      result: { conversationId: c.id, address: block.result.address, blockId: block.result.id, created: block.result.created, closed: close.result.changed },
      effects: close.effects,
    };
  });
}

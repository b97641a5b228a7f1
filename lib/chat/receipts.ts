import { and, count, eq, gt, isNull, lte, ne, sql } from "drizzle-orm";
import { z } from "zod";
import { conversations, messages } from "../../db/schema";
import { withTransaction, type Ctx } from "../ctx";
import { effects, type VerbResult } from "../verb";
import { canWrite, getConversationOrThrow } from "./access";
import { BigId, DbId } from "../validation";

export const ReceiptInput = z.object({
  conversationId: DbId,
  upToId: BigId,
  kind: z.enum(["delivered", "read"]),
});

export type ReceiptResult = { conversationId: number; side: "visitor" | "staff"; kind: "delivered" | "read"; upToId: number };

/**
 * Move a receipt watermark forward: every message of the *other* side with
 * id ≤ upToId becomes delivered (✓✓) or read (green ✓✓). Watermarks only grow,
 * so repeated or out-of-order receipts are harmless. Returns null when nothing
 * changed or the actor is only watching (QA, an agent peeking at another's chat).
 */
export async function markReceipt({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<VerbResult<ReceiptResult | null>> {
  const r = await moveWatermark(ctx, input);
  if (!r) return { result: null, effects: effects() };
  return {
    result: r,
    effects: effects({
      chatFrames: [{ type: "receipt", ...r }],
      // The staff side read the visitor's messages: the unread badge changed.
      conversations: r.side === "visitor" && r.kind === "read" ? [{ id: r.conversationId }] : [],
    }),
  };
}

async function moveWatermark(ctx: Ctx, input: unknown): Promise<ReceiptResult | null> {
  const data = ReceiptInput.parse(input);
  const conv = await getConversationOrThrow(ctx, data.conversationId, "read");
  if (!canWrite(ctx.actor, conv)) return null;
  const side: "visitor" | "staff" = ctx.actor.type === "visitor" ? "staff" : "visitor";
  const senderIsSide = side === "visitor" ? eq(messages.senderKind, "visitor") : ne(messages.senderKind, "visitor");

  return withTransaction(ctx, async ({ db: tx }) => {
    const [c] = await tx
      .select({
        visitorMsgsDeliveredUpTo: conversations.visitorMsgsDeliveredUpTo,
        visitorMsgsReadUpTo: conversations.visitorMsgsReadUpTo,
        staffMsgsDeliveredUpTo: conversations.staffMsgsDeliveredUpTo,
        staffMsgsReadUpTo: conversations.staffMsgsReadUpTo,
        // Ordered by both index columns so the planner walks (conversation_id, id), never the whole primary key.
        maxId: sql<number>`coalesce((select m.id from messages m where m.conversation_id = ${conv.id} order by m.conversation_id desc, m.id desc limit 1), 0)`.mapWith(Number),
      })
      .from(conversations)
      .where(eq(conversations.id, conv.id))
      .for("update");
    const upTo = Math.min(data.upToId, c.maxId);
    const delivered = side === "visitor" ? c.visitorMsgsDeliveredUpTo : c.staffMsgsDeliveredUpTo;
    const read = side === "visitor" ? c.visitorMsgsReadUpTo : c.staffMsgsReadUpTo;
    const current = data.kind === "read" ? read : delivered;
    if (upTo <= current) return null;

    const base = and(eq(messages.conversationId, conv.id), senderIsSide, lte(messages.id, upTo));
    if (data.kind === "read") {
      await tx
        .update(messages)
        .set({ readAt: ctx.now, deliveredAt: sql`coalesce(${messages.deliveredAt}, ${ctx.now.toISOString()}::timestamptz)` })
        .where(and(base, gt(messages.id, read), isNull(messages.readAt)));
    } else {
      await tx
        .update(messages)
        .set({ deliveredAt: ctx.now })
        .where(and(base, gt(messages.id, delivered), isNull(messages.deliveredAt)));
    }

    const patch: Partial<typeof conversations.$inferInsert> = {};
    if (side === "visitor") {
      patch.visitorMsgsDeliveredUpTo = Math.max(delivered, upTo);
      if (data.kind === "read") {
        patch.visitorMsgsReadUpTo = upTo;
        const [{ n }] = await tx
          .select({ n: count() })
          .from(messages)
          .where(and(eq(messages.conversationId, conv.id), eq(messages.senderKind, "visitor"), gt(messages.id, upTo)));
        patch.staffUnread = n;
      }
    } else {
      patch.staffMsgsDeliveredUpTo = Math.max(delivered, upTo);
      if (data.kind === "read") patch.staffMsgsReadUpTo = upTo;
    }
    await tx.update(conversations).set(patch).where(eq(conversations.id, conv.id));
    return { conversationId: conv.id, side, kind: data.kind, upToId: upTo };
  });
}

import { eq } from "drizzle-orm";
import { z } from "zod";
import { conversations, LEAD_STAGES, leads } from "../../db/schema";
import { withTransaction, type StaffCtx } from "../ctx";
import { audit } from "../audit";
import { DbId } from "../validation";
import { effects, type VerbResult } from "../verb";
import { assertCan } from "../auth/permissions";
import type { ConversationDTO } from "../wire";
import { checkDeal, dealColumns, DealFields, recordLeadStageChange } from "../conversions/outbox";
import type { LeadStageEvent } from "../conversions/lead-event";
import { getConversationOrThrow } from "./access";
import { loadConversationDTO } from "./dto";

export const SetLeadStageInput = z
  .object({
    conversationId: DbId,
    stage: z.enum(LEAD_STAGES),
    /** The deal value and its currency (asked for Converted): kept on the lead and sent as the Purchase value. */
    ...DealFields,
  })
  .superRefine(checkDeal);

/** A stage verb's answer: the DTO, its effects, and the browser copy of the change (null when the stage didn't change). */
export type StageResult<T> = VerbResult<T> & { leadEvent: LeadStageEvent | null };

/**
 * Tag a chat's lead stage (New, Qualified, Not Qualified, Converted). Agents:
 * only chats assigned to them; admins and managers: any; QA: never. Touches
 * nothing but the stage (the chat's and its lead's, in one transaction: the
 * CRM and the inbox read the same change) — in particular not `last_message_at`, so tagging
 * never reorders the inbox (product brief, "Real activity sort"). The caller
 * publishes the returned DTO after this returns. A real change also queues
 * the server-side conversions of the lead's project in the same transaction
 * (lib/conversions/outbox.ts: one insert, no network) and returns the
 * browser copy as `leadEvent`.
 */
export async function setLeadStage({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<StageResult<ConversationDTO>> {
  assertCan(ctx.actor, "chat.lead_stage");
  const data = SetLeadStageInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const c = await getConversationOrThrow(tx, data.conversationId, "write", { lock: true });
    const changed = c.leadStage !== data.stage;
    let leadEvent: LeadStageEvent | null = null;
    if (changed) {
      await tx.db.update(conversations).set({ leadStage: data.stage }).where(eq(conversations.id, c.id));
      // The chat's lead carries the same stage, written by this one verb in the same transaction.
      const [lead] = await tx.db
        .update(leads)
        .set({ stage: data.stage, updatedAt: ctx.now, ...dealColumns(data.stage, data.value, data.currency) })
        .where(eq(leads.conversationId, c.id))
        .returning();
      await audit(tx, "conversation.lead_stage", { type: "conversation", id: c.id }, { from: c.leadStage, to: data.stage });
      if (lead) leadEvent = await recordLeadStageChange(tx, { lead, stage: data.stage, value: data.value ?? null, currency: data.currency ?? null });
    }
    return {
      result: await loadConversationDTO(tx.db, c.id),
      effects: effects({ conversations: changed ? [{ id: c.id }] : [] }),
      leadEvent,
    };
  });
}

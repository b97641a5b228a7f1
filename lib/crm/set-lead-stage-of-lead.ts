import { eq } from "drizzle-orm";
import { z } from "zod";
import { LEAD_STAGES, leads } from "../../db/schema";
import { audit } from "../audit";
import { assertCan } from "../auth/permissions";
import { setLeadStage, type StageResult } from "../chat/set-lead-stage";
import type { LeadStageEvent } from "../conversions/lead-event";
import { checkDeal, dealColumns, DealFields, recordLeadStageChange } from "../conversions/outbox";
import { withTransaction, type StaffCtx } from "../ctx";
import { DbId } from "../validation";
import { effects } from "../verb";
import { getLeadOrThrow } from "./lead-access";
import type { LeadRowDTO } from "./leads-shared";
import { loadLeadRow } from "./list-leads";
import { nextVersion } from "./update-lead";

export const SetLeadStageOfLeadInput = z
  .object({ leadId: DbId, stage: z.enum(LEAD_STAGES, { error: "Unknown lead stage." }), ...DealFields })
  .superRefine(checkDeal);

/**
 * Move a lead to a stage from the CRM. A chat's lead has one stage truth, the
 * chat's: the change goes through the chat's own verb (lib/chat/set-lead-stage.ts,
 * the same transaction), so its policy applies (who may tag that chat) and
 * its effects tell the inbox, the Chats table and an open chat modal at once.
 * A web, CSV or sheet lead has no chat: its stage is written here, and its
 * server-side conversions queued in the same transaction, as the chat's verb does.
 */
export async function setLeadStageOfLead({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<StageResult<LeadRowDTO>> {
  assertCan(ctx.actor, "crm.edit");
  const data = SetLeadStageOfLeadInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const lead = await getLeadOrThrow(tx, data.leadId, "write", { lock: true });
    if (lead.conversationId !== null) {
      const chat = await setLeadStage({
        ctx: tx,
        input: { conversationId: lead.conversationId, stage: data.stage, value: data.value, currency: data.currency },
      });
      return { result: await loadLeadRow(tx.db, lead.id), effects: chat.effects, leadEvent: chat.leadEvent };
    }
    let leadEvent: LeadStageEvent | null = null;
    if (lead.stage !== data.stage) {
      const [updated] = await tx.db
        .update(leads)
        .set({ stage: data.stage, updatedAt: nextVersion(lead, ctx.now), ...dealColumns(data.stage, data.value, data.currency) })
        .where(eq(leads.id, lead.id))
        .returning();
      await audit(tx, "lead.stage", { type: "lead", id: lead.id }, { from: lead.stage, to: data.stage });
      leadEvent = await recordLeadStageChange(tx, { lead: updated, stage: data.stage, value: data.value ?? null, currency: data.currency ?? null });
    }
    return { result: await loadLeadRow(tx.db, lead.id), effects: effects(), leadEvent };
  });
}

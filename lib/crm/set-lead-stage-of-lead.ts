import { eq } from "drizzle-orm";
import { z } from "zod";
import { LEAD_STAGES, leads } from "../../db/schema";
import { audit } from "../audit";
import { setLeadStage } from "../chat/set-lead-stage";
import { withTransaction, type StaffCtx } from "../ctx";
import { DbId } from "../validation";
import { effects, type VerbResult } from "../verb";
import { getLeadOrThrow } from "./lead-access";
import type { LeadRowDTO } from "./leads-shared";
import { loadLeadRow } from "./list-leads";
import { nextVersion } from "./update-lead";

export const SetLeadStageOfLeadInput = z.object({ leadId: DbId, stage: z.enum(LEAD_STAGES, { error: "Unknown lead stage." }) });

/**
 * Move a lead to a stage from the CRM. A chat's lead has one stage truth, the
 * chat's: the change goes through the chat's own verb (lib/chat/set-lead-stage.ts,
 * the same transaction), so its policy applies (who may tag that chat) and
 * its effects tell the inbox, the Chats table and an open chat modal at once.
 * A web, CSV or sheet lead has no chat: its stage is written here.
 */
export async function setLeadStageOfLead({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<LeadRowDTO>> {
  const data = SetLeadStageOfLeadInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const lead = await getLeadOrThrow(tx, data.leadId, "write", { lock: true });
    if (lead.conversationId !== null) {
      const chat = await setLeadStage({ ctx: tx, input: { conversationId: lead.conversationId, stage: data.stage } });
      return { result: await loadLeadRow(tx.db, lead.id), effects: chat.effects };
    }
    if (lead.stage !== data.stage) {
      await tx.db.update(leads).set({ stage: data.stage, updatedAt: nextVersion(lead, ctx.now) }).where(eq(leads.id, lead.id));
      await audit(tx, "lead.stage", { type: "lead", id: lead.id }, { from: lead.stage, to: data.stage });
    }
    return { result: await loadLeadRow(tx.db, lead.id), effects: effects() };
  });
}

import { setLeadStageOfLead } from "@/lib/crm/set-lead-stage-of-lead";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";

// POST /api/crm/leads/:id/stage {stage, value?, currency?} – move a lead to a stage (a chat's lead: the chat's stage, seen everywhere)
export const POST = withStaff<{ id: string }>({ permission: "crm.edit" }, async ({ ctx, req, params }) => {
  const body = await readJson(req);
  const { result, effects, leadEvent } = await setLeadStageOfLead({ ctx, input: { ...(body as object), leadId: params.id } });
  await applyEffects(ctx, effects);
  // leadEvent: the browser copy of the change (lib/conversions/lead-event.ts), pushed onto the page's dataLayer.
  return Response.json({ ...result, leadEvent });
});

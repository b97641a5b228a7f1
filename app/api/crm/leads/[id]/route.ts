import { getLead } from "@/lib/crm/get-lead";
import { updateLead } from "@/lib/crm/update-lead";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";

// GET /api/crm/leads/:id – a lead's detail: attribution, linked chat, note trail
export const GET = withStaff<{ id: string }>({ permission: "crm.view" }, async ({ ctx, params }) => {
  return Response.json(await getLead({ ctx, input: { leadId: params.id } }), { headers: { "Cache-Control": "no-store" } });
});

// PATCH /api/crm/leads/:id {version, followUpOn?, finalRemark?, assigneeId?} – edit a lead (409 when it changed since `version`)
export const PATCH = withStaff<{ id: string }>({ permission: "crm.edit" }, async ({ ctx, req, params }) => {
  const body = await readJson(req);
  const { result, effects } = await updateLead({ ctx, input: { ...(body as object), leadId: params.id } });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

import { addLeadNote } from "@/lib/crm/add-lead-note";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";

// POST /api/crm/leads/:id/notes {body} – append a note to the lead's trail (notes are never edited or deleted)
export const POST = withStaff<{ id: string }>({ permission: "crm.edit" }, async ({ ctx, req, params }) => {
  const body = await readJson(req);
  const { result, effects } = await addLeadNote({ ctx, input: { ...(body as object), leadId: params.id } });
  await applyEffects(ctx, effects);
  return Response.json(result, { status: 201 });
});

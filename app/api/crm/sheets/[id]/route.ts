import { deleteSheetSource, updateSheetSource } from "@/lib/crm/sheets/sources";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";

// PATCH /api/crm/sheets/[id] – change a source (mapping, range, project, interval, name, on/off)
export const PATCH = withStaff<{ id: string }>({ permission: "crm.sheets" }, async ({ req, ctx, params }) => {
  const body = await readJson(req);
  const { result, effects } = await updateSheetSource({ ctx, input: { ...(body as object), id: params.id } });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

// DELETE /api/crm/sheets/[id] – remove a source (its leads stay)
export const DELETE = withStaff<{ id: string }>({ permission: "crm.sheets" }, async ({ ctx, params }) => {
  const { result, effects } = await deleteSheetSource({ ctx, input: params.id });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

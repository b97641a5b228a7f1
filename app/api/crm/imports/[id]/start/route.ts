import { startLeadImport } from "@/lib/crm/csv-import";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";

// POST /api/crm/imports/[id]/start – the column mapping, default country and duplicates policy: queue the import
export const POST = withStaff<{ id: string }>({ permission: "crm.import" }, async ({ req, ctx, params }) => {
  const body = await readJson(req);
  const { result, effects } = await startLeadImport({ ctx, input: { ...(body as object), importId: params.id } });
  await applyEffects(ctx, effects);
  return Response.json(result, { status: 202 });
});

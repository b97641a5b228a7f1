import { createSheetSource, listSheetSources } from "@/lib/crm/sheets/sources";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";

// GET /api/crm/sheets – the Google Sheets sources (at most 50), the service account's state, the projects
export const GET = withStaff({ permission: "crm.sheets" }, async ({ ctx }) =>
  Response.json(await listSheetSources({ ctx }), { headers: { "Cache-Control": "no-store" } }),
);

// POST /api/crm/sheets – add a source (sheet, range, project, interval, column mapping)
export const POST = withStaff({ permission: "crm.sheets" }, async ({ req, ctx }) => {
  const { result, effects } = await createSheetSource({ ctx, input: await readJson(req) });
  await applyEffects(ctx, effects);
  return Response.json(result, { status: 201 });
});

import { getConversionConfig, updateConversionConfig } from "@/lib/conversions";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";

// GET /api/marketing/conversions?projectId=N – a project's Meta CAPI and GA4 settings (secrets: last four characters only)
export const GET = withStaff({ permission: "marketing.conversions" }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return Response.json(await getConversionConfig({ ctx, input: query }), { headers: { "Cache-Control": "no-store" } });
});

// PUT /api/marketing/conversions {projectId, meta: {...}, ga4: {...}} – save them (a secret left out is kept, "" removes it)
export const PUT = withStaff({ permission: "marketing.conversions" }, async ({ ctx, req }) => {
  const { result, effects } = await updateConversionConfig({ ctx, input: await readJson(req) });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

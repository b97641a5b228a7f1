import { sendTestConversion } from "@/lib/conversions";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";

// POST /api/marketing/conversions/test {projectId, platform: meta|ga4} – queue a test event (sample data) for the worker to deliver
export const POST = withStaff({ permission: "marketing.conversions" }, async ({ ctx, req }) => {
  const { result, effects } = await sendTestConversion({ ctx, input: await readJson(req) });
  await applyEffects(ctx, effects);
  return Response.json(result, { status: 201 });
});

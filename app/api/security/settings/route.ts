import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";
import { getSecuritySettings, updateStrikeSettings } from "@/lib/security-admin";

// GET /api/security/settings – strike thresholds, allow-list, rate limits, and what the viewer may change
export const GET = withStaff({ permission: "security.view" }, async ({ ctx }) =>
  Response.json(await getSecuritySettings({ ctx }), { headers: { "Cache-Control": "no-store" } }),
);

// PATCH /api/security/settings {login?: {limit?, windowMinutes?, blockMinutes?}, scanner?, upload?, rate_limit?} – change strike thresholds
export const PATCH = withStaff({ permission: "security.manage" }, async ({ ctx, req }) => {
  const { result, effects } = await updateStrikeSettings({ ctx, input: await readJson(req) });
  await applyEffects(ctx, effects);
  return Response.json({ strikeRules: result });
});

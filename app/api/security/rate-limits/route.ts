import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";
import { updateRateLimits } from "@/lib/security-admin";

// PATCH /api/security/rate-limits {chatStart?: {points?, seconds?}, …} – change per-client rate limits
export const PATCH = withStaff({ permission: "security.manage" }, async ({ ctx, req }) => {
  const { result, effects } = await updateRateLimits({ ctx, input: await readJson(req) });
  await applyEffects(ctx, effects);
  return Response.json({ rateLimits: result });
});

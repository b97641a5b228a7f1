import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";
import { updateAllowList } from "@/lib/security-admin";

// PUT /api/security/allow-list {entries: [{address, note?}]} – replace the allow-list
export const PUT = withStaff({ permission: "security.manage" }, async ({ ctx, req }) => {
  const { result, effects } = await updateAllowList({ ctx, input: await readJson(req) });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

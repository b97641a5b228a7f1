import { regenerateMyRecoveryCodes } from "@/lib/auth/two-factor";
import { readJson, withStaff } from "@/lib/http";

// POST /api/auth/two-factor/recovery-codes – ten new recovery codes, the old ones void (a current code or the password)
export const POST = withStaff({ permission: "profile.view" }, async ({ req, ctx }) => {
  const { result } = await regenerateMyRecoveryCodes({ ctx, input: await readJson(req) });
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
});

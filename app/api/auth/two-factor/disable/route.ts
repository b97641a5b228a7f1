import { disableMyTwoFactor } from "@/lib/auth/two-factor";
import { readJson, withStaff } from "@/lib/http";

// POST /api/auth/two-factor/disable – turn two-factor sign-in off (a current code or the password)
export const POST = withStaff({ permission: "profile.view" }, async ({ req, ctx }) => {
  await disableMyTwoFactor({ ctx, input: await readJson(req) });
  return new Response(null, { status: 204 });
});

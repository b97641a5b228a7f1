import { getMyTwoFactor } from "@/lib/auth/two-factor";
import { withStaff } from "@/lib/http";

// GET /api/auth/two-factor – whether I use two-factor sign-in, recovery codes left, whether my role must
export const GET = withStaff({ permission: "profile.view" }, async ({ ctx }) =>
  Response.json(await getMyTwoFactor({ ctx }), { headers: { "Cache-Control": "no-store" } }),
);

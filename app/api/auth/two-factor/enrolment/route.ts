import { beginMyTwoFactorEnrolment, confirmMyTwoFactorEnrolment } from "@/lib/auth/two-factor";
import { readJson, withStaff } from "@/lib/http";

const NO_STORE = { "Cache-Control": "no-store" };

// POST /api/auth/two-factor/enrolment – start: a new seed (QR code + text) and the token to confirm it with
export const POST = withStaff({ permission: "profile.view" }, async ({ ctx }) =>
  Response.json(await beginMyTwoFactorEnrolment({ ctx }), { headers: NO_STORE }),
);

// PUT /api/auth/two-factor/enrolment – confirm with the first code from the app → on, with ten recovery codes (shown once)
export const PUT = withStaff({ permission: "profile.view" }, async ({ req, ctx }) => {
  const { result } = await confirmMyTwoFactorEnrolment({ ctx, input: await readJson(req) });
  return Response.json(result, { headers: NO_STORE });
});

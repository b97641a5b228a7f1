import { completeSignInEnrolment } from "@/lib/auth/sign-in-flow";
import { signInResponse } from "@/lib/auth/sign-in-response";
import { assertSameOrigin, readJson, withPublic } from "@/lib/http";
import { enforceHttpLimit } from "@/lib/security/rate-limits";

// POST /api/auth/login/enroll – step two when the role requires two-factor sign-in and the account has none:
// the enrolment token from step one + the first app code → two-factor on, recovery codes (once), the session
export const POST = withPublic(async ({ req, db, ip, now }) => {
  assertSameOrigin(req);
  await enforceHttpLimit(db, "signIn", ip, now);
  const input = await readJson(req);
  return signInResponse(await completeSignInEnrolment({ db, ip, now, userAgent: req.headers.get("user-agent"), input }));
});

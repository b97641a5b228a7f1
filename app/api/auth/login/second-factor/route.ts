import { completeSecondFactor } from "@/lib/auth/sign-in-flow";
import { signInResponse } from "@/lib/auth/sign-in-response";
import { assertSameOrigin, readJson, withPublic } from "@/lib/http";
import { enforceHttpLimit } from "@/lib/security/rate-limits";

// POST /api/auth/login/second-factor – step two: the token from step one + an app code or a recovery code
export const POST = withPublic(async ({ req, db, ip, now }) => {
  assertSameOrigin(req);
  await enforceHttpLimit(db, "signIn", ip, now);
  const input = await readJson(req);
  return signInResponse(await completeSecondFactor({ db, ip, now, userAgent: req.headers.get("user-agent"), input }));
});

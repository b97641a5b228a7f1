import { startSignIn } from "@/lib/auth/sign-in-flow";
import { signInResponse } from "@/lib/auth/sign-in-response";
import { assertSameOrigin, readJson, withPublic } from "@/lib/http";
import { enforceHttpLimit } from "@/lib/security/rate-limits";

// POST /api/auth/login – step one of staff sign-in: email or username + password
// → a session, or a token for the second factor, or (role requires it) an enrolment
export const POST = withPublic(async ({ req, db, ip, now }) => {
  assertSameOrigin(req);
  await enforceHttpLimit(db, "signIn", ip, now);
  const input = await readJson(req);
  return signInResponse(await startSignIn({ db, ip, now, userAgent: req.headers.get("user-agent"), input }));
});

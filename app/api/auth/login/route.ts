import { sealSession, sessionSetCookie } from "@/lib/auth/session";
import { signIn } from "@/lib/auth/sign-in";
import { safeNext } from "@/lib/auth/permissions";
import { assertSameOrigin, readJson, withPublic } from "@/lib/http";
import { enforceHttpLimit } from "@/lib/security/rate-limits";

// POST /api/auth/login – staff sign-in with email or username + password
export const POST = withPublic(async ({ req, db, ip, now }) => {
  assertSameOrigin(req);
  await enforceHttpLimit(db, "signIn", ip, now);
  const body = (await readJson(req)) as Record<string, unknown>;
  const user = await signIn({ db, ip, now, input: body });
  const cookie = await sealSession({ userId: user.id, sessionVersion: user.sessionVersion });
  const redirectTo = safeNext(typeof body.next === "string" ? body.next : null, user.role);
  return Response.json(
    { user: { id: user.id, displayName: user.displayName, role: user.role }, redirectTo },
    { headers: { "Set-Cookie": sessionSetCookie(cookie), "Cache-Control": "no-store" } },
  );
});

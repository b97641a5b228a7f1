import { bumpSessionVersion } from "@/lib/auth/sign-in";
import { findStaffBySession, readCookie, SESSION_COOKIE, sessionClearCookie } from "@/lib/auth/session";
import { assertSameOrigin, withPublic } from "@/lib/http";
import { getHub } from "@/lib/realtime/hub";
import { staffSignedOut } from "@/lib/routing";

// POST /api/auth/logout – end the session everywhere: the old cookie stops working at once
export const POST = withPublic(async ({ req, db }) => {
  assertSameOrigin(req);
  const user = await findStaffBySession(db, readCookie(req.headers.get("cookie"), SESSION_COOKIE));
  if (user) {
    await bumpSessionVersion(db, user.id);
    getHub()?.kickUser(user.id);
    await staffSignedOut(db, user.id);
  }
  return new Response(null, { status: 204, headers: { "Set-Cookie": sessionClearCookie() } });
});

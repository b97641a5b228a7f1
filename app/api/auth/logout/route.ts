import { staffActor } from "@/lib/ctx";
import { findStaffBySession, readCookie, SESSION_COOKIE, sessionClearCookie } from "@/lib/auth/session";
import { applyEffects } from "@/lib/effects";
import { assertSameOrigin, withPublic } from "@/lib/http";
import { signOutStaff } from "@/lib/staff/sign-out";

// POST /api/auth/logout – end the session everywhere: the old cookie stops working at once
export const POST = withPublic(async ({ req, db, ip, now }) => {
  assertSameOrigin(req);
  const user = await findStaffBySession(db, readCookie(req.headers.get("cookie"), SESSION_COOKIE));
  if (user) {
    const ctx = { actor: staffActor(user), db, now, ip };
    const { effects } = await signOutStaff({ ctx, input: { userId: user.id } });
    await applyEffects(ctx, effects);
  }
  return new Response(null, { status: 204, headers: { "Set-Cookie": sessionClearCookie() } });
});

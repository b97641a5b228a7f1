import { staffActor } from "@/lib/ctx";
import { findStaffBySession, readCookie, SESSION_COOKIE, sessionClearCookie } from "@/lib/auth/session";
import { applyEffects } from "@/lib/effects";
import { assertSameOrigin, withPublic } from "@/lib/http";
import { signOutStaff } from "@/lib/staff/sign-out";

// POST /api/auth/logout – end this session: the old cookie stops working at once (a form post is sent on to /login)
export const POST = withPublic(async ({ req, db, ip, now }) => {
  assertSameOrigin(req);
  const user = await findStaffBySession(db, readCookie(req.headers.get("cookie"), SESSION_COOKIE));
  if (user) {
    const ctx = { actor: staffActor(user), db, now, ip };
    const { effects } = await signOutStaff({ ctx, input: { userId: user.id } });
    await applyEffects(ctx, effects);
  }
  // The console's Sign out button is a plain form (it works before hydration): send it on to the sign-in page.
  const fromForm = /^application\/x-www-form-urlencoded|^multipart\/form-data/i.test(req.headers.get("content-type") ?? "");
  if (fromForm) return new Response(null, { status: 303, headers: { Location: "/login", "Set-Cookie": sessionClearCookie() } });
  return new Response(null, { status: 204, headers: { "Set-Cookie": sessionClearCookie() } });
});

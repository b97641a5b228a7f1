import { cookieSessionId, readCookie, SESSION_COOKIE } from "@/lib/auth/session";
import { revokeMyOtherSessions } from "@/lib/auth/staff-sessions";
import { applyEffects } from "@/lib/effects";
import { AppError } from "@/lib/errors";
import { withStaff } from "@/lib/http";

// DELETE /api/auth/sessions/others – sign out every device of mine but this one
export const DELETE = withStaff({ permission: "profile.view" }, async ({ req, ctx }) => {
  const currentSessionId = await cookieSessionId(readCookie(req.headers.get("cookie"), SESSION_COOKIE));
  if (!currentSessionId) throw new AppError("unauthenticated", "Please sign in.");
  const { result, effects } = await revokeMyOtherSessions({ ctx, input: { currentSessionId } });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

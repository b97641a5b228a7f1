import { cookieSessionId, readCookie, SESSION_COOKIE } from "@/lib/auth/session";
import { listMySessions } from "@/lib/auth/staff-sessions";
import { withStaff } from "@/lib/http";

// GET /api/auth/sessions – my signed-in devices (this one marked)
export const GET = withStaff({ permission: "profile.view" }, async ({ req, ctx }) => {
  const currentSessionId = await cookieSessionId(readCookie(req.headers.get("cookie"), SESSION_COOKIE));
  return Response.json({ sessions: await listMySessions({ ctx, input: { currentSessionId } }) }, { headers: { "Cache-Control": "no-store" } });
});

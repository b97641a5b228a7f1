import { z } from "zod";
import { cookieSessionId, readCookie, SESSION_COOKIE, sessionClearCookie } from "@/lib/auth/session";
import { revokeMySession } from "@/lib/auth/staff-sessions";
import { applyEffects } from "@/lib/effects";
import { withStaff } from "@/lib/http";

const Params = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{22}$/, "Unknown device.") });

// DELETE /api/auth/sessions/[id] – sign one of my devices out (its sockets close at once)
export const DELETE = withStaff<{ id: string }>({ permission: "profile.view" }, async ({ req, params, ctx }) => {
  const { id } = Params.parse(params);
  const currentSessionId = await cookieSessionId(readCookie(req.headers.get("cookie"), SESSION_COOKIE));
  const { result, effects } = await revokeMySession({ ctx, input: { sessionId: id, currentSessionId } });
  await applyEffects(ctx, effects);
  return new Response(null, { status: 204, headers: result.current ? { "Set-Cookie": sessionClearCookie() } : undefined });
});

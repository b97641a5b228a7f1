import { sealSession, sessionSetCookie } from "@/lib/auth/session";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";
import { enforceHttpLimit } from "@/lib/security/rate-limits";
import { changeOwnPassword } from "@/lib/staff/change-password";

// POST /api/staff/me/password {currentPassword, newPassword} – change my password; my other sessions end
export const POST = withStaff({ permission: "profile.view" }, async ({ ctx, req }) => {
  await enforceHttpLimit(ctx.db, "signIn", ctx.ip ?? "", ctx.now);
  const { result, effects } = await changeOwnPassword({ ctx, input: await readJson(req) });
  // The change ended every session, this one too: this device carries on with a fresh one.
  const cookie = await sealSession(
    { userId: result.userId, sessionVersion: result.sessionVersion },
    { db: ctx.db, ip: ctx.ip, userAgent: req.headers.get("user-agent"), now: ctx.now },
  );
  await applyEffects(ctx, effects);
  return Response.json({ ok: true }, { headers: { "Set-Cookie": sessionSetCookie(cookie), "Cache-Control": "no-store" } });
});

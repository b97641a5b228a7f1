import { anonymousCtx } from "@/lib/ctx";
import { startConversation } from "@/lib/chat/start-conversation";
import { visitorSetCookie } from "@/lib/chat/visitor-session";
import { applyEffects } from "@/lib/effects";
import { readJson } from "@/lib/http";
import { visitorPreflight, withVisitorApi } from "@/lib/security/cors";
import { enforceHttpLimit } from "@/lib/security/rate-limits";

export const OPTIONS = visitorPreflight;

// POST /api/visitor/conversations – the contact form: start (or resume) a chat
export const POST = withVisitorApi(async ({ req, db, ip, now, origin }) => {
  await enforceHttpLimit(db, "chatStart", ip, now);
  const ctx = anonymousCtx(db, { now, ip });
  const { result, effects } = await startConversation({ ctx, input: await readJson(req), headers: req.headers, origin });
  // After commit: the new chat shows in the inboxes and goes to the next eligible agent.
  await applyEffects(ctx, effects);
  return Response.json(
    { token: result.token, conversationId: result.conversationId, created: result.created },
    {
      status: result.created ? 201 : 200,
      headers: { "Set-Cookie": visitorSetCookie(result.projectId, result.token), "Cache-Control": "no-store" },
    },
  );
});

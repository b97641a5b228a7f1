import { resumeVisitorSession, visitorSetCookie } from "@/lib/chat/visitor-session";
import { readJson } from "@/lib/http";
import { visitorPreflight, withVisitorApi } from "@/lib/security/cors";
import { enforceHttpLimit } from "@/lib/security/rate-limits";

export const OPTIONS = visitorPreflight;

// POST /api/visitor/session – resume a visitor's conversation from a stored token (body, header or cookie)
export const POST = withVisitorApi(async ({ req, db, ip, now, origin }) => {
  await enforceHttpLimit(db, "visitorApi", ip, now);
  const result = await resumeVisitorSession({ db, now, input: await readJson(req), headers: req.headers, origin });
  return Response.json(
    { conversationId: result.conversationId, visitor: result.visitor },
    { headers: { "Set-Cookie": visitorSetCookie(result.projectId, result.token), "Cache-Control": "no-store" } },
  );
});

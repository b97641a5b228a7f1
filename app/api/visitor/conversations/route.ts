import { startConversation } from "@/lib/chat/start-conversation";
import { visitorSetCookie } from "@/lib/chat/visitor-session";
import { readJson } from "@/lib/http";
import { publishConversations } from "@/lib/realtime/publish";
import { drainAndPublish } from "@/lib/routing";
import { visitorPreflight, withVisitorApi } from "@/lib/security/cors";

export const OPTIONS = visitorPreflight;

// POST /api/visitor/conversations – the contact form: start (or resume) a chat
export const POST = withVisitorApi(async ({ req, db, ip, now, origin }) => {
  const result = await startConversation({ db, now, ip, input: await readJson(req), headers: req.headers, origin });
  if (result.created) {
    // After commit: show the new chat in the inboxes, then hand it to the next eligible agent.
    await publishConversations(db, [result.conversationId]);
    await drainAndPublish(db, now);
  }
  return Response.json(
    { token: result.token, conversationId: result.conversationId, created: result.created },
    {
      status: result.created ? 201 : 200,
      headers: { "Set-Cookie": visitorSetCookie(result.projectId, result.token), "Cache-Control": "no-store" },
    },
  );
});

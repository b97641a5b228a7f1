import { listMessages, listMessagesAround, listMessagesNewer } from "@/lib/chat/history";
import { chatCtxFromRequest } from "@/lib/chat/request-actor";
import { AppError } from "@/lib/errors";
import { DbId } from "@/lib/validation";
import { withPublic } from "@/lib/http";
import { enforceHttpLimit } from "@/lib/security/rate-limits";

/**
 * GET /api/chat/conversations/:id/messages, oldest first:
 *   ?before=<cursor>    a page of 30 older (scrolling up)
 *   ?around=<messageId> the window around a message (a quote jump), with older/newer cursors
 *   ?after=<cursor>     a page of 30 newer (scrolling down from such a window)
 */
export const GET = withPublic<{ id: string }>(async ({ req, db, ip, now, params }) => {
  const parsed = DbId.safeParse(params.id);
  if (!parsed.success) throw new AppError("not_found", "Conversation not found.");
  const conversationId = parsed.data;
  const ctx = await chatCtxFromRequest(req, db, conversationId);
  // Visitors' reads are limited per client; staff reading history are signed in and known.
  if (ctx.actor.type === "visitor") await enforceHttpLimit(db, "visitorApi", ip, now);
  const q = new URL(req.url).searchParams;
  const opt = (k: string) => q.get(k) ?? undefined;
  const modes = ["before", "around", "after"].filter((k) => q.has(k));
  if (modes.length > 1) throw new AppError("bad_request", "Use one of before, around or after.");
  const limit = opt("limit");
  if (q.has("around")) return Response.json(await listMessagesAround({ ctx, input: { conversationId, around: opt("around"), limit } }));
  if (q.has("after")) return Response.json(await listMessagesNewer({ ctx, input: { conversationId, after: opt("after"), limit } }));
  return Response.json(await listMessages({ ctx, input: { conversationId, before: opt("before"), limit } }));
});

import { listMessages } from "@/lib/chat/history";
import { chatCtxFromRequest } from "@/lib/chat/request-actor";
import { AppError } from "@/lib/errors";
import { DbId } from "@/lib/validation";
import { withPublic } from "@/lib/http";

// GET /api/chat/conversations/:id/messages?before=<cursor> – a page of 30, oldest first
export const GET = withPublic<{ id: string }>(async ({ req, db, params }) => {
  const parsed = DbId.safeParse(params.id);
  if (!parsed.success) throw new AppError("not_found", "Conversation not found.");
  const conversationId = parsed.data;
  const ctx = await chatCtxFromRequest(req, db, conversationId);
  const q = new URL(req.url).searchParams;
  return Response.json(
    await listMessages({ ctx, input: { conversationId, before: q.get("before") ?? undefined, limit: q.get("limit") ?? undefined } }),
  );
});

import { AttachmentSize, findAttachmentConversation, readAttachment } from "@/lib/chat/attachments";
import { chatCtxFromRequest } from "@/lib/chat/request-actor";
import { AppError } from "@/lib/errors";
import { DbId } from "@/lib/validation";
import { withPublic } from "@/lib/http";
import { enforceHttpLimit } from "@/lib/security/rate-limits";

// GET /api/chat/attachments/:id[?size=thumb] – the image (or the thread's thumbnail), to whoever may read its conversation
export const GET = withPublic<{ id: string }>(async ({ req, db, ip, now, params }) => {
  const parsed = DbId.safeParse(params.id);
  if (!parsed.success) throw new AppError("not_found", "Attachment not found.");
  const size = AttachmentSize.safeParse(new URL(req.url).searchParams.get("size") ?? "full");
  if (!size.success) throw new AppError("bad_request", "size must be full or thumb.");
  const id = parsed.data;
  const conversationId = await findAttachmentConversation({ db }, id);
  if (!conversationId) throw new AppError("not_found", "Attachment not found.");
  const ctx = await chatCtxFromRequest(req, db, conversationId);
  // Visitors' reads are limited per client; staff reading history are signed in and known.
  if (ctx.actor.type === "visitor") await enforceHttpLimit(db, "visitorApi", ip, now);
  const { data, mime } = await readAttachment({ ctx, id, size: size.data });
  return new Response(new Uint8Array(data), {
    headers: {
      "Content-Type": mime,
      "X-Content-Type-Options": "nosniff",
      // Even if a browser were talked into rendering it as a document, it could run nothing.
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "Content-Disposition": "inline",
      // Names are never reused, so the bytes behind a URL never change; who may fetch them is checked on every request that reaches us.
      "Cache-Control": "private, max-age=31536000, immutable",
    },
  });
});

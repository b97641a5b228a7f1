import { MAX_ATTACHMENT_BYTES, uploadAttachment } from "@/lib/chat/attachments";
import { chatCtxFromRequest } from "@/lib/chat/request-actor";
import { AppError } from "@/lib/errors";
import { withPublic } from "@/lib/http";

// POST /api/chat/attachments – upload an image into a conversation (multipart: conversationId, file)
export const POST = withPublic(async ({ req, db }) => {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > MAX_ATTACHMENT_BYTES + 64 * 1024) throw new AppError("payload_too_large", "Images must be 5 MB or smaller.");
  const form = await req.formData().catch(() => {
    throw new AppError("bad_request", "Expected a multipart form.");
  });
  const conversationId = Number(form.get("conversationId"));
  if (!Number.isInteger(conversationId) || conversationId <= 0) throw new AppError("bad_request", "conversationId is required.");
  const ctx = await chatCtxFromRequest(req, db, conversationId);
  const file = form.get("file");
  const result = await uploadAttachment({ ctx, input: { conversationId }, file: file instanceof File ? file : null });
  return Response.json(result, { status: 201 });
});

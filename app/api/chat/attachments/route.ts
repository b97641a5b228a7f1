import { MAX_ATTACHMENT_BYTES, uploadAttachment } from "@/lib/chat/attachments";
import { chatCtxFromRequest } from "@/lib/chat/request-actor";
import { AppError } from "@/lib/errors";
import { DbId } from "@/lib/validation";
import { withPublic } from "@/lib/http";
import { enforceHttpLimit } from "@/lib/security/rate-limits";
import { recordStrike } from "@/lib/security/strikes";

// POST /api/chat/attachments – upload an image into a conversation (multipart: conversationId, file)
export const POST = withPublic(async ({ req, db, ip, now }) => {
  await enforceHttpLimit(db, "upload", ip, now);
  // The declared length bounds what the server reads (a chunked body has none: refused).
  const declared = req.headers.get("content-length");
  if (!declared) throw new AppError("bad_request", "Uploads must declare their size (Content-Length).");
  if (Number(declared) > MAX_ATTACHMENT_BYTES + 64 * 1024) {
    if (ip) await recordStrike(db, ip, "upload", now);
    throw new AppError("payload_too_large", "Images must be 5 MB or smaller.");
  }
  const form = await req.formData().catch(() => {
    throw new AppError("bad_request", "Expected a multipart form.");
  });
  const parsed = DbId.safeParse(form.get("conversationId"));
  if (!parsed.success) throw new AppError("bad_request", "conversationId is required.");
  const conversationId = parsed.data;
  const ctx = await chatCtxFromRequest(req, db, conversationId);
  const file = form.get("file");
  const result = await uploadAttachment({ ctx, input: { conversationId }, file: file instanceof File ? file : null });
  return Response.json(result, { status: 201 });
});

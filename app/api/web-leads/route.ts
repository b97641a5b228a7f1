import { anonymousCtx } from "@/lib/ctx";
import { createWebLead, submissionFields } from "@/lib/crm/web-leads";
import { applyEffects } from "@/lib/effects";
import { AppError } from "@/lib/errors";
import { readBodyCapped } from "@/lib/http";
import { visitorPreflight, withVisitorApi } from "@/lib/security/cors";
import { enforceHttpLimit } from "@/lib/security/rate-limits";

export const OPTIONS = visitorPreflight;

const MAX_BODY = 32 * 1024;

/**
 * The submission, whatever a form or a script sends: JSON, form-encoded (a
 * plain `<form method=post>`, lead-form.js's beacon) or multipart. text/plain
 * is read as JSON when it is JSON, else as form-encoded (sendBeacon's string).
 */
async function readSubmission(req: Request): Promise<Record<string, unknown>> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type === "multipart/form-data") {
    if (Number(req.headers.get("content-length") ?? 0) > MAX_BODY) throw new AppError("payload_too_large", "Request body is too large.");
    const form = await req.formData().catch(() => {
      throw new AppError("bad_request", "Malformed form body.");
    });
    const entries: [string, unknown][] = [];
    for (const [k, v] of form.entries()) {
      // Files are never part of a lead.
      if (typeof v !== "string") throw new AppError("bad_request", "Files can't be sent with a lead.");
      entries.push([k, v]);
    }
    return submissionFields(entries);
  }
  const body = new TextDecoder().decode(await readBodyCapped(req, MAX_BODY));
  if (type === "application/json" || (type === "text/plain" && /^\s*\{/.test(body))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new AppError("bad_request", "Malformed JSON body.");
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new AppError("bad_request", "Send a JSON object.");
    return submissionFields(Object.entries(parsed));
  }
  if (type === "application/x-www-form-urlencoded" || type === "text/plain") return submissionFields(new URLSearchParams(body).entries());
  throw new AppError("unsupported_media_type", "Send JSON or form fields (application/json or application/x-www-form-urlencoded).");
}

// POST /api/web-leads – a lead from a web form (lead-form.js, a plain form post, or any script)
export const POST = withVisitorApi(async ({ req, db, ip, now, origin }) => {
  await enforceHttpLimit(db, "webLead", ip, now);
  const ctx = anonymousCtx(db, { now, ip });
  const input = await readSubmission(req);
  const { result, effects } = await createWebLead({ ctx, input, idempotencyKey: req.headers.get("idempotency-key"), headers: req.headers, origin });
  await applyEffects(ctx, effects);
  return Response.json({ leadId: result.leadId, created: result.created }, { status: result.created ? 201 : 200, headers: { "Cache-Control": "no-store" } });
});

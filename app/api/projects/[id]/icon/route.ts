import { AppError } from "@/lib/errors";
import { withPublic, withStaff } from "@/lib/http";
import { MAX_ICON_BYTES, readProjectIcon, removeProjectIcon, uploadProjectIcon } from "@/lib/project-admin/icon";
import { DbId } from "@/lib/validation";

// GET /api/projects/:id/icon[?v=hash] – the project's icon, for its visitor pages (public, like the page itself)
export const GET = withPublic<{ id: string }>(async ({ req, db, params }) => {
  const id = DbId.safeParse(params.id);
  if (!id.success) throw new AppError("not_found", "Icon not found.");
  const { data, hash } = await readProjectIcon({ db }, id.data);
  const etag = `"${hash.slice(0, 32)}"`;
  // The versioned URL (the one iconUrl holds) never changes its bytes; the bare one follows the current icon.
  const versioned = new URL(req.url).searchParams.get("v") === hash;
  const headers = {
    "Content-Type": "image/webp",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Cache-Control": versioned ? "public, max-age=31536000, immutable" : "public, max-age=60",
    ETag: etag,
  };
  if (req.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return new Response(new Uint8Array(data), { headers });
});

// POST /api/projects/:id/icon (multipart: file) – set the icon from an uploaded image
export const POST = withStaff<{ id: string }>({ permission: "projects.edit" }, async ({ ctx, req, params }) => {
  // The declared length bounds what the server reads (a chunked body has none: refused).
  const declared = req.headers.get("content-length");
  if (!declared) throw new AppError("bad_request", "Uploads must declare their size (Content-Length).");
  if (Number(declared) > MAX_ICON_BYTES + 64 * 1024) {
    throw new AppError("payload_too_large", "Icons must be 2 MB or smaller.", { details: { fields: { icon: "Icons must be 2 MB or smaller." } } });
  }
  const form = await req.formData().catch(() => {
    throw new AppError("bad_request", "Expected a multipart form.");
  });
  const file = form.get("file");
  const { result } = await uploadProjectIcon({ ctx, input: { projectId: params.id }, file: file instanceof File ? file : null });
  return Response.json(result);
});

// DELETE /api/projects/:id/icon – remove the icon (the visitor page falls back to the app's)
export const DELETE = withStaff<{ id: string }>({ permission: "projects.edit" }, async ({ ctx, params }) => {
  const { result } = await removeProjectIcon({ ctx, input: { projectId: params.id } });
  return Response.json(result);
});

import { applyEffects } from "@/lib/effects";
import { AppError, isAppError } from "@/lib/errors";
import { readJson, withStaff } from "@/lib/http";
import { getMarketingTags, updateMarketingTags } from "@/lib/marketing";

/** Two 64 KB snippets, JSON-escaped, with room to spare; above it the request is refused before it is read in full. */
const MAX_BODY = 512 * 1024;

// GET /api/marketing/tags – the head and body snippets, where they run, and the CSP hosts they get
export const GET = withStaff({ permission: "marketing.tags" }, async ({ ctx }) =>
  Response.json(await getMarketingTags({ ctx }), { headers: { "Cache-Control": "no-store" } }),
);

// PUT /api/marketing/tags {head, body, visitorPages, staffPages, extraHosts} – save the tags (live on the next page load)
export const PUT = withStaff({ permission: "marketing.tags" }, async ({ ctx, req }) => {
  const input = await readJson(req, MAX_BODY).catch((err: unknown) => {
    if (isAppError(err) && err.code === "payload_too_large") throw new AppError("payload_too_large", "The snippets are too large: each may be at most 64 KB.");
    throw err;
  });
  const { result, effects } = await updateMarketingTags({ ctx, input });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

import { listBucket } from "@/lib/inbox";
import { withStaff } from "@/lib/http";

// GET /api/agent/conversations?bucket=active|offline|closed|unassigned|others&q=&after=&limit= – one page of a bucket
export const GET = withStaff({ permission: "chat.view_own" }, async ({ ctx, req }) => {
  const q = new URL(req.url).searchParams;
  return Response.json(
    await listBucket({
      ctx,
      input: { bucket: q.get("bucket") ?? undefined, q: q.get("q") ?? undefined, after: q.get("after") ?? undefined, limit: q.get("limit") ?? undefined },
    }),
  );
});

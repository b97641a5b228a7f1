import { listQaConversations } from "@/lib/console/qa-list";
import { withStaff } from "@/lib/http";

// GET /api/qa/conversations?agent=<id>|ai&status=&after=&limit= – one page of every conversation (the QA console)
export const GET = withStaff({ permission: "chat.view_all" }, async ({ ctx, req }) => {
  const q = new URL(req.url).searchParams;
  return Response.json(
    await listQaConversations({
      ctx,
      input: { agent: q.get("agent") ?? undefined, status: q.get("status") ?? undefined, after: q.get("after") ?? undefined, limit: q.get("limit") ?? undefined },
    }),
  );
});

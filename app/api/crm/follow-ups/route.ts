import { followUpsDue } from "@/lib/crm/follow-ups";
import { withStaff } from "@/lib/http";

// GET /api/crm/follow-ups?today=YYYY-MM-DD – the actor's follow-ups due today and overdue
export const GET = withStaff({ permission: "crm.view" }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return Response.json(await followUpsDue({ ctx, input: query }), { headers: { "Cache-Control": "no-store" } });
});

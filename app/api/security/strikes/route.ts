import { withStaff } from "@/lib/http";
import { listStrikes } from "@/lib/security-admin";

// GET /api/security/strikes?rule=&q=&after=|before=&limit= – recent strikes per rule, and one page of (rule, client) groups
export const GET = withStaff({ permission: "security.view" }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return Response.json(await listStrikes({ ctx, input: query }), { headers: { "Cache-Control": "no-store" } });
});

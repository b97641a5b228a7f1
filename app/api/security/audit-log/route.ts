import { listAuditLog } from "@/lib/audit-log";
import { withStaff } from "@/lib/http";

// GET /api/security/audit-log?category=&action=&actor=&actorId=&target=&targetType=&from=&to=&after=|before=&limit= – one page of the audit log
export const GET = withStaff({ permission: "security.view" }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return Response.json(await listAuditLog({ ctx, input: query }), { headers: { "Cache-Control": "no-store" } });
});

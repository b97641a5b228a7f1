import { withStaff } from "@/lib/http";
import { listLeads } from "@/lib/crm/list-leads";

// GET /api/crm/leads?source=&stage=&project=&assignee=&from=&to=&followUp=&followFrom=&followTo=&today=&q=&after=|before=&limit= – one page of the CRM's leads (the actor's scope)
export const GET = withStaff({ permission: "crm.view" }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return Response.json(await listLeads({ ctx, input: query }), { headers: { "Cache-Control": "no-store" } });
});

import { withStaff } from "@/lib/http";
import { exportLeadsCsv } from "@/lib/crm/list-leads";

// GET /api/crm/leads/export?<the table's filters> – the filtered leads as a CSV download, streamed
export const GET = withStaff({ permission: "crm.view" }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  const { filename, body } = exportLeadsCsv({ ctx, input: query });
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
});

import { getLeadImport } from "@/lib/crm/csv-import";
import { withStaff } from "@/lib/http";

// GET /api/crm/imports/[id] – an import's status, progress and counts (polled while it runs)
export const GET = withStaff<{ id: string }>({ permission: "crm.import" }, async ({ ctx, params }) =>
  Response.json(await getLeadImport({ ctx, input: params.id }), { headers: { "Cache-Control": "no-store" } }),
);

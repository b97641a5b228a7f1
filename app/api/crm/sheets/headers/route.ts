import { readSheetHeaders } from "@/lib/crm/sheets/read-headers";
import { withStaff } from "@/lib/http";

// GET /api/crm/sheets/headers?sheet=…&range=… – the range's header row, read live from Google for the mapping picker
export const GET = withStaff({ permission: "crm.sheets" }, async ({ req, ctx }) => {
  const q = new URL(req.url).searchParams;
  const result = await readSheetHeaders({ ctx, input: { sheet: q.get("sheet") ?? "", range: q.get("range") ?? undefined } });
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
});

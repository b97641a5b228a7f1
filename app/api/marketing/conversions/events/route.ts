import { listConversionEvents } from "@/lib/conversions-admin";
import { withStaff } from "@/lib/http";

// GET /api/marketing/conversions/events?projectId=&platform=&status=&after=|before=&limit= – one page of the delivery log
export const GET = withStaff({ permission: "marketing.conversions" }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return Response.json(await listConversionEvents({ ctx, input: query }), { headers: { "Cache-Control": "no-store" } });
});

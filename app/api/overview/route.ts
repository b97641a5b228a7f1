import { getOverview } from "@/lib/console/overview";
import { withStaff } from "@/lib/http";

// GET /api/overview?range=today|7d|30d|custom&from=&to=&tz= – the Overview's totals, chart data and agents grid
export const GET = withStaff({ permission: "overview.view" }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return Response.json(await getOverview({ ctx, input: query }), { headers: { "Cache-Control": "no-store" } });
});

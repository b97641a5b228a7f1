import { pollSheetSourceNow } from "@/lib/crm/sheets/sources";
import { applyEffects } from "@/lib/effects";
import { withStaff } from "@/lib/http";

// POST /api/crm/sheets/[id]/poll – poll now: the source is due at once (the sweeper reads it within seconds, not this request)
export const POST = withStaff<{ id: string }>({ permission: "crm.sheets" }, async ({ ctx, params }) => {
  const { result, effects } = await pollSheetSourceNow({ ctx, input: params.id });
  await applyEffects(ctx, effects);
  return Response.json(result, { status: 202 });
});

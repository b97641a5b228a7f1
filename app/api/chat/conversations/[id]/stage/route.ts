import { setLeadStage } from "@/lib/chat/set-lead-stage";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";

// POST /api/chat/conversations/:id/stage {stage: new|qualified|not_qualified|converted, value?, currency?} – tag the lead (agents: own chats)
export const POST = withStaff<{ id: string }>({ permission: "chat.lead_stage" }, async ({ ctx, req, params }) => {
  const body = await readJson(req);
  const { result, effects, leadEvent } = await setLeadStage({ ctx, input: { ...(body as object), conversationId: params.id } });
  await applyEffects(ctx, effects);
  // leadEvent: the browser copy of the change (lib/conversions/lead-event.ts), pushed onto the page's dataLayer.
  return Response.json({ ...result, leadEvent });
});

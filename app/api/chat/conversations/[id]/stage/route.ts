import { setLeadStage } from "@/lib/chat/set-lead-stage";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";

// POST /api/chat/conversations/:id/stage {stage: new|qualified|not_qualified|converted} – tag the lead (agents: own chats)
export const POST = withStaff<{ id: string }>({ permission: "chat.lead_stage" }, async ({ ctx, req, params }) => {
  const body = await readJson(req);
  const { result, effects } = await setLeadStage({ ctx, input: { ...(body as object), conversationId: params.id } });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

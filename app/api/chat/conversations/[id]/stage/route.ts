import { setLeadStage } from "@/lib/chat/set-lead-stage";
import { readJson, withStaff } from "@/lib/http";
import { publishConversations } from "@/lib/realtime/publish";

// POST /api/chat/conversations/:id/stage {stage: new|qualified|not_qualified|converted} – tag the lead (agents: own chats)
export const POST = withStaff<{ id: string }>({ permission: "chat.lead_stage" }, async ({ ctx, req, params }) => {
  const body = await readJson(req);
  const conversation = await setLeadStage({ ctx, input: { ...(body as object), conversationId: params.id } });
  await publishConversations(ctx.db, [conversation.id]);
  return Response.json(conversation);
});

import { closeConversation } from "@/lib/chat/close-conversation";
import { applyEffects } from "@/lib/effects";
import { withStaff } from "@/lib/http";

// POST /api/chat/conversations/:id/close – end a chat (agents: their own)
export const POST = withStaff<{ id: string }>({ permission: "chat.close" }, async ({ ctx, params }) => {
  const { result, effects } = await closeConversation({ ctx, input: { conversationId: params.id } });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

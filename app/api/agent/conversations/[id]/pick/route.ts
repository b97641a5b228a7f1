import { applyEffects } from "@/lib/effects";
import { withStaff } from "@/lib/http";
import { pickConversation } from "@/lib/routing";

// POST /api/agent/conversations/:id/pick – take a chat from the Unassigned queue
export const POST = withStaff<{ id: string }>({ permission: "chat.pick_queued" }, async ({ ctx, params }) => {
  const { result, effects } = await pickConversation({ ctx, input: { conversationId: params.id } });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

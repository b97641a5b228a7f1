import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";
import { reassignConversation } from "@/lib/routing";

// POST /api/chat/conversations/:id/assign {agentId} – agent: hand own chat to another agent; admin/manager: assign any chat
export const POST = withStaff<{ id: string }>({ permission: ["chat.assign_any", "chat.reassign_own"] }, async ({ ctx, req, params }) => {
  const body = (await readJson(req)) as Record<string, unknown>;
  const { result, effects } = await reassignConversation({ ctx, input: { ...body, conversationId: params.id } });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

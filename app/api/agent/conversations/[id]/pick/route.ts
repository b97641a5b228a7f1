import { withStaff } from "@/lib/http";
import { pickConversation, publishRouting } from "@/lib/routing";

// POST /api/agent/conversations/:id/pick – take a chat from the Unassigned queue
export const POST = withStaff<{ id: string }>({ permission: "chat.pick_queued" }, async ({ ctx, params }) => {
  const a = await pickConversation({ ctx, input: { conversationId: Number(params.id) } });
  await publishRouting(ctx.db, [a]);
  return Response.json(a);
});

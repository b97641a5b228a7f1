import { readJson, withStaff } from "@/lib/http";
import { drainAndPublish, publishRouting, reassignConversation } from "@/lib/routing";

// POST /api/chat/conversations/:id/assign – agent: hand own chat to another agent; admin/manager: assign any chat
export const POST = withStaff<{ id: string }>({}, async ({ ctx, req, params }) => {
  const body = (await readJson(req)) as Record<string, unknown>;
  const a = await reassignConversation({ ctx, input: { ...body, conversationId: Number(params.id) } });
  await publishRouting(ctx.db, [a]);
  // The previous owner may now have room for a waiting chat.
  if (a.previousAgentId) await drainAndPublish(ctx.db, ctx.now);
  return Response.json(a);
});

import { closeConversation } from "@/lib/chat/lifecycle";
import { withStaff } from "@/lib/http";
import { publishConversations } from "@/lib/realtime/publish";
import { drainAndPublish } from "@/lib/routing";

// POST /api/chat/conversations/:id/close – end a chat (agents: their own)
export const POST = withStaff<{ id: string }>({ permission: "chat.close" }, async ({ ctx, params }) => {
  const res = await closeConversation({ ctx, input: { conversationId: Number(params.id) } });
  if (res.changed) {
    await publishConversations(ctx.db, [res.conversationId]);
    // A slot freed up: the oldest waiting chat gets it.
    await drainAndPublish(ctx.db, ctx.now);
  }
  return Response.json(res);
});

import { getConversationDetails } from "@/lib/chat/conversation-details";
import { AppError } from "@/lib/errors";
import { DbId } from "@/lib/validation";
import { withStaff } from "@/lib/http";

// GET /api/chat/conversations/:id/details – conversation + visitor attribution (staff)
export const GET = withStaff<{ id: string }>({ permission: ["chat.view_all", "chat.view_own"] }, async ({ ctx, params }) => {
  const parsed = DbId.safeParse(params.id);
  if (!parsed.success) throw new AppError("not_found", "Conversation not found.");
  const id = parsed.data;
  return Response.json(await getConversationDetails({ ctx, conversationId: id }));
});

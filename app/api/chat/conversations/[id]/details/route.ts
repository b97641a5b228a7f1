import { getConversationDetails } from "@/lib/chat/conversation-details";
import { AppError } from "@/lib/errors";
import { withStaff } from "@/lib/http";

// GET /api/chat/conversations/:id/details – conversation + visitor attribution (staff)
export const GET = withStaff<{ id: string }>({}, async ({ ctx, params }) => {
  const id = Number(params.id);
  if (!Number.isInteger(id) || id <= 0) throw new AppError("not_found", "Conversation not found.");
  return Response.json(await getConversationDetails({ ctx, conversationId: id }));
});

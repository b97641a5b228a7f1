import { withStaff } from "@/lib/http";
import { listAssignTargets } from "@/lib/routing/assign-targets";

// GET /api/chat/conversations/:id/agents – agents with presence and load, and why each can't take this chat now
export const GET = withStaff<{ id: string }>({ permission: ["chat.assign_any", "chat.reassign_own"] }, async ({ ctx, params }) =>
  Response.json(await listAssignTargets({ ctx, input: { conversationId: params.id } })),
);

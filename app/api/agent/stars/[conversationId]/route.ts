import { setStar } from "@/lib/inbox";
import { withStaff } from "@/lib/http";

// PUT /api/agent/stars/:conversationId – star a chat for me (idempotent)
export const PUT = withStaff<{ conversationId: string }>({ permission: "chat.view_own" }, async ({ ctx, params }) =>
  Response.json(await setStar({ ctx, input: { conversationId: params.conversationId, starred: true } })),
);

// DELETE /api/agent/stars/:conversationId – unstar it (idempotent)
export const DELETE = withStaff<{ conversationId: string }>({ permission: "chat.view_own" }, async ({ ctx, params }) =>
  Response.json(await setStar({ ctx, input: { conversationId: params.conversationId, starred: false } })),
);

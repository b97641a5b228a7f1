import { withStaff } from "@/lib/http";
import { listAllConversations } from "@/lib/console/chats-table";

// GET /api/chat/conversations?pill=&stage=&agent=&project=&from=&to=&q=&after=|before=&limit= – one page of the back office's Chats table
export const GET = withStaff({ permission: "chat.view_all" }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return Response.json(await listAllConversations({ ctx, input: query }), { headers: { "Cache-Control": "no-store" } });
});

import { deleteQuickReply, updateQuickReply } from "@/lib/inbox";
import { readJson, withStaff } from "@/lib/http";

// PATCH /api/agent/quick-replies/:id {body} – edit one of mine
export const PATCH = withStaff<{ id: string }>({ permission: "chat.reply" }, async ({ ctx, req, params }) => {
  const body = await readJson(req);
  return Response.json(await updateQuickReply({ ctx, input: { ...(body as object), id: params.id } }));
});

// DELETE /api/agent/quick-replies/:id – delete one of mine
export const DELETE = withStaff<{ id: string }>({ permission: "chat.reply" }, async ({ ctx, params }) =>
  Response.json(await deleteQuickReply({ ctx, input: { id: params.id } })),
);

import { createQuickReply, listQuickReplies } from "@/lib/inbox";
import { readJson, withStaff } from "@/lib/http";

// GET /api/agent/quick-replies – {items: [{id, body, position}]}
export const GET = withStaff({ permission: "chat.reply" }, async ({ ctx }) => Response.json(await listQuickReplies({ ctx })));

// POST /api/agent/quick-replies {body} – add one (at most 5; the sixth is a 409)
export const POST = withStaff({ permission: "chat.reply" }, async ({ ctx, req }) =>
  Response.json(await createQuickReply({ ctx, input: await readJson(req) }), { status: 201 }),
);

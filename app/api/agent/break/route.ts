import { readJson, withStaff } from "@/lib/http";
import { drainAndPublish, setOnBreak } from "@/lib/routing";

// POST /api/agent/break – { onBreak } : no new chats while on break; existing ones stay
export const POST = withStaff({ permission: "console.agent" }, async ({ ctx, req }) => {
  const res = await setOnBreak({ ctx, input: await readJson(req) });
  if (!res.onBreak) await drainAndPublish(ctx.db, ctx.now);
  return Response.json(res);
});

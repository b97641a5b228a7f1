import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";
import { setOnBreak } from "@/lib/routing";

// POST /api/agent/break – { onBreak } : no new chats while on break; existing ones stay
export const POST = withStaff({ permission: "agent.break" }, async ({ ctx, req }) => {
  const { result, effects } = await setOnBreak({ ctx, input: await readJson(req) });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

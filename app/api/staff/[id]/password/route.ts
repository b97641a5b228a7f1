import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";
import { resetStaffPassword } from "@/lib/staff/reset-password";

// POST /api/staff/:id/password {password} – set a new password for someone; ends all their sessions
export const POST = withStaff<{ id: string }>({ permission: ["agents.manage", "staff.manage"] }, async ({ ctx, req, params }) => {
  const body = (await readJson(req)) as Record<string, unknown>;
  const { result, effects } = await resetStaffPassword({ ctx, input: { ...body, userId: params.id } });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

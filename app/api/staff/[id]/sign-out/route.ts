import { applyEffects } from "@/lib/effects";
import { withStaff } from "@/lib/http";
import { forceSignOutStaff } from "@/lib/staff/force-sign-out";

// POST /api/staff/:id/sign-out – force-logout: end every session of that staff member
export const POST = withStaff<{ id: string }>({ permission: ["agents.manage", "staff.manage"] }, async ({ ctx, params }) => {
  const { result, effects } = await forceSignOutStaff({ ctx, input: { userId: params.id } });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

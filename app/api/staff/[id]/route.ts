import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";
import { updateStaffMember } from "@/lib/staff/update-staff";

// PATCH /api/staff/:id {displayName?, email?, username?, role?, limits?, toggles?, disabled?, version} – edit a staff member
export const PATCH = withStaff<{ id: string }>({ permission: ["agents.manage", "staff.manage"] }, async ({ ctx, req, params }) => {
  const body = (await readJson(req)) as Record<string, unknown>;
  const { result, effects } = await updateStaffMember({ ctx, input: { ...body, userId: params.id } });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

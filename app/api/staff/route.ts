import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";
import { createStaffMember } from "@/lib/staff/create-staff";
import { listStaff } from "@/lib/staff/list-staff";

/** Agents are managed with agents.manage, everyone else with staff.manage; the verbs tell which applies. */
const MANAGE = ["agents.manage", "staff.manage"] as const;

// GET /api/staff?kind=agents|staff&q=&status=&role=&after=|before=&limit= – one page of the Agents or Staff table
export const GET = withStaff({ permission: MANAGE }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return Response.json(await listStaff({ ctx, input: query }), { headers: { "Cache-Control": "no-store" } });
});

// POST /api/staff {role, displayName, email, username, password, limits, toggles} – add a staff member
export const POST = withStaff({ permission: MANAGE }, async ({ ctx, req }) => {
  const { result, effects } = await createStaffMember({ ctx, input: await readJson(req) });
  await applyEffects(ctx, effects);
  return Response.json(result, { status: 201 });
});

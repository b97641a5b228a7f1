import { getSecurityPolicy, updateSecurityPolicy } from "@/lib/auth/security-policy";
import { readJson, withStaff } from "@/lib/http";

// GET /api/auth/security-policy – session limits (idle, absolute) and the roles that must use two-factor sign-in
export const GET = withStaff({ permission: "security.manage" }, async ({ ctx }) => Response.json(await getSecurityPolicy({ ctx })));

// PATCH /api/auth/security-policy – change either or both
export const PATCH = withStaff({ permission: "security.manage" }, async ({ req, ctx }) => {
  const { result } = await updateSecurityPolicy({ ctx, input: await readJson(req) });
  return Response.json(result);
});

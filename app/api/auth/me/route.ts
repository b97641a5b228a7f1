import { withStaff } from "@/lib/http";

// GET /api/auth/me – the signed-in staff member
export const GET = withStaff({ permission: "profile.view" }, async ({ ctx }) => Response.json({ user: ctx.actor }));

import { withStaff } from "@/lib/http";

// GET /api/auth/me – the signed-in staff member
export const GET = withStaff({}, async ({ ctx }) => Response.json({ user: ctx.actor }));

import { eq } from "drizzle-orm";
import { users } from "@/db/schema";
import { withStaff } from "@/lib/http";

// POST /api/agent/heartbeat – the console is open (5-minute inactivity rule)
export const POST = withStaff({ permission: "profile.view" }, async ({ ctx }) => {
  await ctx.db.update(users).set({ lastActivityAt: ctx.now }).where(eq(users.id, ctx.actor.userId));
  return new Response(null, { status: 204 });
});

import { withStaff } from "@/lib/http";
import { recordActivity } from "@/lib/routing";

// POST /api/agent/heartbeat – the console is open (5-minute inactivity rule)
export const POST = withStaff({ permission: "profile.view" }, async ({ ctx }) => {
  await recordActivity({ ctx });
  return new Response(null, { status: 204 });
});

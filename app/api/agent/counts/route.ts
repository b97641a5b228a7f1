import { bucketCounts } from "@/lib/inbox";
import { withStaff } from "@/lib/http";

// GET /api/agent/counts – {active|offline|closed|unassigned|others: {count, unread}}
export const GET = withStaff({ permission: "chat.view_own" }, async ({ ctx }) => Response.json(await bucketCounts({ ctx })));

import { withStaff } from "@/lib/http";
import { listAgentStatus } from "@/lib/routing/list-agents";

// GET /api/agent/agents – agents with presence and load (reassign targets)
export const GET = withStaff({}, async ({ ctx }) => Response.json({ agents: await listAgentStatus({ ctx }) }));

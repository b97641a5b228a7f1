import { withStaff } from "@/lib/http";
import { LIST_AGENTS_PERMISSIONS, listAgentStatus } from "@/lib/routing";

// GET /api/agent/agents – agents with presence and load (reassign targets)
export const GET = withStaff({ permission: LIST_AGENTS_PERMISSIONS }, async ({ ctx }) => Response.json({ agents: await listAgentStatus({ ctx }) }));

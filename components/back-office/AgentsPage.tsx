import { Suspense } from "react";
import { StaffDirectory } from "./StaffDirectory";

/** Admin and manager consoles' Agents section (app/admin/agents, app/manager/agents render this). */
export function AgentsPage() {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading agents…</p>}>
      <StaffDirectory kind="agents" />
    </Suspense>
  );
}

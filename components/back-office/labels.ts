import type { StaffRole } from "@/db/schema";
import type { Presence } from "@/lib/staff/list-staff";

export const ROLE_LABEL: Record<StaffRole, string> = { admin: "Admin", manager: "Manager", agent: "Agent", qa: "QA analyst" };

export const PRESENCE: Record<Presence, { label: string; dot: string; text: string }> = {
  online: { label: "Online", dot: "bg-emerald-500", text: "text-emerald-800" },
  grace: { label: "In grace", dot: "bg-amber-400", text: "text-amber-800" },
  break: { label: "On break", dot: "bg-sky-500", text: "text-sky-800" },
  offline: { label: "Offline", dot: "bg-slate-300", text: "text-slate-600" },
};

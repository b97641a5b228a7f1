import type { ConversationStatus, LeadStage, StaffRole } from "@/db/schema";
import type { Presence } from "@/lib/staff/list-staff";

export const ROLE_LABEL: Record<StaffRole, string> = { admin: "Admin", manager: "Manager", agent: "Agent", qa: "QA analyst" };

export const PRESENCE: Record<Presence, { label: string; dot: string; text: string }> = {
  online: { label: "Online", dot: "bg-emerald-500", text: "text-emerald-800" },
  grace: { label: "In grace", dot: "bg-amber-400", text: "text-amber-800" },
  break: { label: "On break", dot: "bg-sky-500", text: "text-sky-800" },
  offline: { label: "Offline", dot: "bg-slate-300", text: "text-slate-600" },
};

export const LEAD_STAGE_LABEL: Record<LeadStage, string> = { new: "New", qualified: "Qualified", not_qualified: "Not qualified", converted: "Converted" };

/** A conversation's status as the back office says it ("queued" is a chat nobody has yet). */
export const CHAT_STATUS: Record<ConversationStatus, { label: string; className: string }> = {
  queued: { label: "Unassigned", className: "bg-amber-50 text-amber-800 ring-amber-200" },
  active: { label: "Active", className: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  offline: { label: "Offline", className: "bg-slate-100 text-slate-700 ring-slate-200" },
  closed: { label: "Closed", className: "bg-white text-slate-500 ring-slate-200" },
};

import type { StaffRole } from "../../db/schema";
import { AppError } from "../errors";

/**
 * The one role policy, as data (product brief, "Capability" table). An entry
 * lists the roles that hold the permission; `agentToggle` further requires the
 * agent's Live Chat or CRM switch. Ownership rules ("agent: own chats only")
 * are checked by the domain function that loads the chat.
 */
export const PERMISSIONS = {
  // Consoles
  "console.admin": { roles: ["admin"] },
  "console.manager": { roles: ["manager"] },
  "console.agent": { roles: ["agent"] },
  "console.qa": { roles: ["qa"] },
  // Chats
  "chat.view_all": { roles: ["admin", "manager", "qa"] },
  "chat.view_own": { roles: ["admin", "manager", "agent"], agentToggle: "liveChat" },
  "chat.reply": { roles: ["admin", "manager", "agent"], agentToggle: "liveChat" },
  "chat.close": { roles: ["admin", "manager", "agent"], agentToggle: "liveChat" },
  "chat.pick_queued": { roles: ["agent"], agentToggle: "liveChat" },
  "chat.assign_any": { roles: ["admin", "manager"] },
  "chat.reassign_own": { roles: ["agent"], agentToggle: "liveChat" },
  "chat.lead_stage": { roles: ["admin", "manager", "agent"], agentToggle: "liveChat" },
  "chat.pdf": { roles: ["admin", "manager"] },
  "visitor.block": { roles: ["admin", "manager"] },
  // Reports and CRM
  "reports.view": { roles: ["admin", "manager", "qa"] },
  "crm.view": { roles: ["admin", "manager", "qa", "agent"], agentToggle: "crm" },
  "crm.edit": { roles: ["admin", "manager", "agent"], agentToggle: "crm" },
  "crm.import": { roles: ["admin", "manager"] },
  // People
  "agents.manage": { roles: ["admin", "manager"] },
  "staff.manage": { roles: ["admin", "manager"] },
  "staff.grant_admin": { roles: ["admin"] },
  // Infrastructure
  "projects.edit": { roles: ["admin"] },
  "ai.edit": { roles: ["admin"] },
  "config.edit": { roles: ["admin"] },
} as const satisfies Record<string, { roles: readonly StaffRole[]; agentToggle?: "liveChat" | "crm" }>;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export type StaffActorLike = { role: StaffRole; liveChatEnabled: boolean; crmEnabled: boolean };

export function can(actor: StaffActorLike, perm: Permission): boolean {
  const entry: { roles: readonly StaffRole[]; agentToggle?: "liveChat" | "crm" } = PERMISSIONS[perm];
  if (!entry.roles.includes(actor.role)) return false;
  if (actor.role === "agent" && entry.agentToggle === "liveChat" && !actor.liveChatEnabled) return false;
  if (actor.role === "agent" && entry.agentToggle === "crm" && !actor.crmEnabled) return false;
  return true;
}

export function assertCan(actor: StaffActorLike, perm: Permission): void {
  if (!can(actor, perm)) throw new AppError("forbidden", "You don't have permission to do that.");
}

/** Each role's home console. */
export const CONSOLE_PATH: Record<StaffRole, string> = {
  admin: "/admin",
  manager: "/manager",
  agent: "/agent",
  qa: "/qa",
};

/** A `next` target is honoured only if it is a path inside the user's own console. */
export function safeNext(next: string | undefined | null, role: StaffRole): string {
  const home = CONSOLE_PATH[role];
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return home;
  return next === home || next.startsWith(home + "/") || next.startsWith(home + "?") ? next : home;
}

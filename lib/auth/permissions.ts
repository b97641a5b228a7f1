import { sql, type SQL } from "drizzle-orm";
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
  /** Own profile, own sessions, console heartbeat: every signed-in staff member. */
  "profile.view": { roles: ["admin", "manager", "agent", "qa"] },
  // Chats
  "chat.view_all": { roles: ["admin", "manager", "qa"] },
  "chat.view_own": { roles: ["admin", "manager", "agent"], agentToggle: "liveChat" },
  "chat.reply": { roles: ["admin", "manager", "agent"], agentToggle: "liveChat" },
  /** Reply in any chat, not only one's own (the chat modal); shown to the visitor as an admin bubble. */
  "chat.reply_any": { roles: ["admin", "manager"] },
  /** Be handed chats by round-robin routing (and hold them). */
  "chat.receive_routed": { roles: ["agent"], agentToggle: "liveChat" },
  "agent.break": { roles: ["agent"], agentToggle: "liveChat" },
  "chat.close": { roles: ["admin", "manager", "agent"], agentToggle: "liveChat" },
  "chat.pick_queued": { roles: ["agent"], agentToggle: "liveChat" },
  "chat.assign_any": { roles: ["admin", "manager"] },
  "chat.reassign_own": { roles: ["agent"], agentToggle: "liveChat" },
  "chat.lead_stage": { roles: ["admin", "manager", "agent"], agentToggle: "liveChat" },
  "chat.pdf": { roles: ["admin", "manager"] },
  "visitor.block": { roles: ["admin", "manager"] },
  /** The visitor's IP address (chat details, attribution). */
  "visitor.view_ip": { roles: ["admin", "manager"] },
  // Reports and CRM
  "reports.view": { roles: ["admin", "manager", "qa"] },
  "crm.view": { roles: ["admin", "manager", "qa", "agent"], agentToggle: "crm" },
  "crm.edit": { roles: ["admin", "manager", "agent"], agentToggle: "crm" },
  "crm.import": { roles: ["admin", "manager"] },
  /** Google Sheets lead sources and the service-account key (an admin shares a sheet with it). */
  "crm.sheets": { roles: ["admin"] },
  /** Every lead, not only one's own (an agent sees the leads of chats assigned to them and the leads assigned to them). */
  "crm.view_all": { roles: ["admin", "manager", "qa"] },
  // Marketing
  /** Marketing → Tags: the head/body snippets injected into the pages we serve. */
  "marketing.tags": { roles: ["admin", "manager"] },
  /**
   * Tags on staff pages: a script there runs with the rights of whoever is
   * signed in, admins included, so only an admin may turn it on — and while
   * it is on, only an admin may change the snippets.
   */
  "marketing.staff_tags": { roles: ["admin"] },
  /** Marketing → Conversions: per-project Meta CAPI / GA4 credentials, the delivery log, test events. */
  "marketing.conversions": { roles: ["admin"] },
  // People
  "agents.manage": { roles: ["admin", "manager"] },
  "staff.manage": { roles: ["admin", "manager"] },
  "staff.grant_admin": { roles: ["admin"] },
  /** The back-office Overview: totals, queue, chats per day, the lead funnel. */
  "overview.view": { roles: ["admin", "manager"] },
  /** Every agent's presence and load, live over the hub (the Overview grid, the Agents table, QA). */
  "agents.presence": { roles: ["admin", "manager", "qa"] },
  // Infrastructure
  "projects.edit": { roles: ["admin"] },
  "ai.edit": { roles: ["admin"] },
  "config.edit": { roles: ["admin"] },
  /** Strike thresholds, the allow-list, manual IP blocks, the per-role two-factor requirement. */
  "security.manage": { roles: ["admin"] },
  /** The Security page: blocked IPs, recent strikes, the audit log, the thresholds read-only (changing them is security.manage). */
  "security.view": { roles: ["admin", "manager"] },
} as const satisfies Record<string, { roles: readonly StaffRole[]; agentToggle?: "liveChat" | "crm" }>;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export type StaffActorLike = { role: StaffRole; liveChatEnabled: boolean; crmEnabled: boolean };

type Entry = { roles: readonly StaffRole[]; agentToggle?: "liveChat" | "crm" };
/** The toggles only narrow an agent's rights; other roles hold what their role holds. */
const TOGGLED_ROLE: StaffRole = "agent";

export function can(actor: StaffActorLike, perm: Permission): boolean {
  const entry: Entry = PERMISSIONS[perm];
  if (!entry.roles.includes(actor.role)) return false;
  if (actor.role === TOGGLED_ROLE && entry.agentToggle === "liveChat" && !actor.liveChatEnabled) return false;
  if (actor.role === TOGGLED_ROLE && entry.agentToggle === "crm" && !actor.crmEnabled) return false;
  return true;
}

/** Any one of the permissions. */
export function canAny(actor: StaffActorLike, perms: readonly Permission[]): boolean {
  return perms.some((p) => can(actor, p));
}

export function assertCan(actor: StaffActorLike, perm: Permission | readonly Permission[]): void {
  if (!canAny(actor, typeof perm === "string" ? [perm] : perm)) {
    throw new AppError("forbidden", "You don't have permission to do that.");
  }
}

/** The roles that hold a permission (whatever their toggles). */
export function rolesWith(perm: Permission): StaffRole[] {
  return [...(PERMISSIONS[perm] as Entry).roles];
}

/** SQL: user row `alias` has a role that holds `perm` (toggles not considered). */
export function roleHoldsSql(perm: Permission, alias = "u"): SQL {
  const roles = sql.join(rolesWith(perm).map((r) => sql`${r}`), sql`, `);
  return sql`(${sql.raw(alias)}.role in (${roles}))`;
}

/** SQL: user row `alias` holds `perm` now — its role, its toggle, and not disabled. */
export function holdsSql(perm: Permission, alias = "u"): SQL {
  const entry: Entry = PERMISSIONS[perm];
  const u = sql.raw(alias);
  const toggle =
    entry.agentToggle === "liveChat"
      ? sql` and (${u}.role <> ${TOGGLED_ROLE} or ${u}.live_chat_enabled)`
      : entry.agentToggle === "crm"
        ? sql` and (${u}.role <> ${TOGGLED_ROLE} or ${u}.crm_enabled)`
        : sql``;
  return sql`(${roleHoldsSql(perm, alias)} and ${u}.disabled = false${toggle})`;
}

/** The console permission of each role's home console. */
export const CONSOLE_PERMISSION: Record<StaffRole, Permission> = {
  admin: "console.admin",
  manager: "console.manager",
  agent: "console.agent",
  qa: "console.qa",
};

/** Each role's home console. */
export const CONSOLE_PATH: Record<StaffRole, string> = {
  admin: "/admin",
  manager: "/manager",
  agent: "/agent",
  qa: "/qa",
};

/** A `next` target is honoured only if it is a path inside the user's own console. */
/** Pages every signed-in staff member may open, whatever their console (own sessions, two-factor, password). */
export const SHARED_STAFF_PATH = "/account";

export function safeNext(next: string | undefined | null, role: StaffRole): string {
  const home = CONSOLE_PATH[role];
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return home;
  const under = (base: string) => next === base || next.startsWith(base + "/") || next.startsWith(base + "?");
  return under(home) || under(SHARED_STAFF_PATH) ? next : home;
}

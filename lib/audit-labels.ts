/**
 * What the audit log calls each action (lib/audit.ts `AuditAction`), and the
 * category the Security page filters by. Import-free (types only), so the
 * page's filter menu uses the same table as the server.
 * lib/__tests__/audit-log.test.ts fails when an action has no entry here.
 */
import type { AuditAction } from "./audit";

export const AUDIT_CATEGORIES = {
  blocks: "Blocks and unblocks",
  assignments: "Assignments",
  chats: "Chat changes",
  staff: "Roles and limits",
  sign_outs: "Sign-outs",
  passwords: "Passwords",
  two_factor: "Two-factor sign-in",
  projects: "Projects",
  crm: "CRM",
  settings: "Settings",
  other: "Other",
} as const;
export type AuditCategory = keyof typeof AUDIT_CATEGORIES;
export const AUDIT_CATEGORY_NAMES = Object.keys(AUDIT_CATEGORIES) as AuditCategory[];

export type AuditActionInfo = { label: string; category: AuditCategory };

/**
 * Partial on purpose: an action another change appends to lib/audit.ts must
 * not break the build before it has a label here — it shows under a label
 * made from its name (`describeAuditAction`), and the test says what is missing.
 */
export const AUDIT_ACTIONS: Partial<Record<AuditAction, AuditActionInfo>> & Record<string, AuditActionInfo | undefined> = {
  "conversation.pick": { label: "Picked a chat from the queue", category: "assignments" },
  "conversation.assign": { label: "Assigned a chat", category: "assignments" },
  "conversation.close": { label: "Closed a chat", category: "chats" },
  "conversation.lead_stage": { label: "Changed a lead stage", category: "chats" },
  "auth.sign_out": { label: "Signed out (all devices)", category: "sign_outs" },
  "auth.inactive_sign_out": { label: "Signed out for inactivity", category: "sign_outs" },
  "auth.session_revoked": { label: "Signed a device out", category: "sign_outs" },
  "auth.2fa_enabled": { label: "Turned on two-factor sign-in", category: "two_factor" },
  "auth.2fa_disabled": { label: "Turned off two-factor sign-in", category: "two_factor" },
  "auth.recovery_code_used": { label: "Used a recovery code", category: "two_factor" },
  "auth.recovery_codes_regenerated": { label: "Made new recovery codes", category: "two_factor" },
  "staff.create": { label: "Added a staff member", category: "staff" },
  "staff.update": { label: "Changed a staff member (role, limits, switches)", category: "staff" },
  "staff.password_reset": { label: "Reset a password", category: "passwords" },
  "staff.password_change": { label: "Changed their own password", category: "passwords" },
  "ip.block": { label: "Blocked an address", category: "blocks" },
  "ip.unblock": { label: "Unblocked an address", category: "blocks" },
  "security.settings_updated": { label: "Changed security settings", category: "settings" },
  "visitor.block": { label: "Blocked a visitor from a chat", category: "blocks" },
  "project.create": { label: "Created a project", category: "projects" },
  "project.update": { label: "Changed a project", category: "projects" },
  "project.clone": { label: "Cloned a project", category: "projects" },
  "project.default": { label: "Made a project the default", category: "projects" },
  "lead_import.start": { label: "Started a CSV import of leads", category: "crm" },
  "lead_import.finish": { label: "Finished a CSV import of leads", category: "crm" },
  "marketing.tags_updated": { label: "Changed the marketing tags", category: "settings" },
  "sheet_source.create": { label: "Added a Google Sheets lead source", category: "crm" },
  "sheet_source.update": { label: "Changed a Google Sheets lead source", category: "crm" },
  "sheet_source.delete": { label: "Removed a Google Sheets lead source", category: "crm" },
  "sheet_source.poll_now": { label: "Asked a Google Sheets source to poll now", category: "crm" },
  "sheet_source.import": { label: "Imported leads from a Google Sheet", category: "crm" },
  "sheets.service_account_set": { label: "Set the Google Sheets service account", category: "settings" },
  "sheets.service_account_clear": { label: "Removed the Google Sheets service account", category: "settings" },
  "conversions.config_updated": { label: "Changed server-side conversion settings", category: "settings" },
  "conversions.test_event": { label: "Sent a test conversion event", category: "settings" },
  "lead.update": { label: "Changed a lead (follow-up, remark, assignee)", category: "crm" },
  "lead.stage": { label: "Changed a lead's stage", category: "crm" },
  "lead.note": { label: "Added a note to a lead", category: "crm" },
};

/** The label and category of any action, also one without an entry (then from its name: "project.update" → "Project update"). */
export function describeAuditAction(action: string): AuditActionInfo {
  const known = AUDIT_ACTIONS[action];
  if (known) return known;
  const [head, ...rest] = action.split(".");
  const words = [head, ...rest].join(" ").replace(/_/g, " ");
  const category: AuditCategory = head === "project" || head === "projects" ? "projects" : head === "ip" ? "blocks" : head === "settings" || head === "ai" ? "settings" : "other";
  return { label: words.charAt(0).toUpperCase() + words.slice(1), category };
}

/** The actions of a category, as stored (the list filter). */
export function actionsInCategory(category: AuditCategory): string[] {
  return Object.entries(AUDIT_ACTIONS)
    .filter(([, v]) => v?.category === category)
    .map(([k]) => k);
}

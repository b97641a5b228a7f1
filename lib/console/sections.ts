import type { StaffRole } from "../../db/schema";
import { canAny, CONSOLE_PATH, type Permission, type StaffActorLike } from "../auth/permissions";

/**
 * The consoles' sections, as data. Each names the permission that shows it
 * (lib/auth/permissions.ts, never a role) and the consoles where its page is
 * built: a console links a section only when the actor holds the permission
 * and the page exists, so nothing links to a 404. The admin and manager
 * consoles share one list — the manager console is the admin console minus
 * what its permissions leave out (Projects, AI, global configuration) — and
 * one page component per section (components/back-office/); the files under
 * app/admin and app/manager only gate and render it.
 *
 * Building a section's page for a console = adding that console to `builtIn`.
 */
export type Section = {
  id: string;
  label: string;
  /** Path below the console's home ("" is the home itself). */
  segment: string;
  /** Holding any one shows the section. */
  permission: readonly Permission[];
  /** The consoles whose page for this section exists. */
  builtIn: readonly StaffRole[];
};

const BACK_OFFICE = [
  { id: "overview", label: "Overview", segment: "", permission: ["overview.view"], builtIn: ["admin", "manager"] },
  { id: "chats", label: "Chats", segment: "chats", permission: ["chat.view_all"], builtIn: ["admin", "manager"] },
  { id: "agents", label: "Agents", segment: "agents", permission: ["agents.manage"], builtIn: ["admin", "manager"] },
  { id: "staff", label: "Staff", segment: "staff", permission: ["staff.manage"], builtIn: ["admin", "manager"] },
  { id: "chat-data", label: "Chat data", segment: "chat-data", permission: ["reports.view"], builtIn: [] },
  { id: "reports", label: "Reports", segment: "reports", permission: ["reports.view"], builtIn: [] },
  { id: "crm", label: "CRM", segment: "crm", permission: ["crm.view"], builtIn: ["admin", "manager"] },
  { id: "marketing", label: "Marketing", segment: "marketing", permission: ["marketing.tags", "marketing.conversions"], builtIn: ["admin", "manager"] },
  { id: "projects", label: "Projects", segment: "projects", permission: ["projects.edit"], builtIn: ["admin"] },
  { id: "ai", label: "AI Integration", segment: "ai", permission: ["ai.edit"], builtIn: [] },
  { id: "security", label: "Security", segment: "security", permission: ["security.view"], builtIn: ["admin", "manager"] },
] as const satisfies readonly Section[];

const AGENT = [
  { id: "inbox", label: "Inbox", segment: "", permission: ["chat.view_own"], builtIn: ["agent"] },
  { id: "crm", label: "CRM", segment: "crm", permission: ["crm.view"], builtIn: ["agent"] },
] as const satisfies readonly Section[];

const QA = [
  { id: "live", label: "Live chats", segment: "", permission: ["chat.view_all"], builtIn: ["qa"] },
  { id: "reports", label: "Reports", segment: "reports", permission: ["reports.view"], builtIn: [] },
  { id: "crm", label: "CRM", segment: "crm", permission: ["crm.view"], builtIn: ["qa"] },
] as const satisfies readonly Section[];

export const CONSOLE_SECTIONS: Record<StaffRole, readonly Section[]> = {
  admin: BACK_OFFICE,
  manager: BACK_OFFICE,
  agent: AGENT,
  qa: QA,
};

export type BackOfficeSectionId = (typeof BACK_OFFICE)[number]["id"];
export type QaSectionId = (typeof QA)[number]["id"];

export type NavLink = { href: string; label: string };

export function sectionHref(console: StaffRole, section: Pick<Section, "segment">): string {
  return section.segment ? `${CONSOLE_PATH[console]}/${section.segment}` : CONSOLE_PATH[console];
}

export function findSection(console: StaffRole, id: string): Section | undefined {
  return CONSOLE_SECTIONS[console].find((s) => s.id === id);
}

/** The section's page exists in this console and the actor holds its permission. */
export function sectionOpen(console: StaffRole, section: Section, actor: StaffActorLike): boolean {
  return section.builtIn.includes(console) && canAny(actor, section.permission);
}

/** The links of `console` for `actor`, in the list's order. */
export function navFor(console: StaffRole, actor: StaffActorLike): NavLink[] {
  return CONSOLE_SECTIONS[console].filter((s) => sectionOpen(console, s, actor)).map((s) => ({ href: sectionHref(console, s), label: s.label }));
}

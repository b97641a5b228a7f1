import { describe, expect, it } from "vitest";
import { STAFF_ROLES, type StaffRole } from "../../../db/schema";
import { AppError, isAppError } from "../../errors";
import { ALL_PERMISSIONS, assertCan, can, CONSOLE_PATH, PERMISSIONS, safeNext, type Permission } from "../permissions";

/**
 * The expected policy, written out by hand from the product brief's
 * "Capability Admin Manager Agent QA" table — deliberately not derived from
 * PERMISSIONS, so a change to the policy has to be made in both places.
 *
 *   View all chats & reports   Yes  Yes  Own only        Read-only
 *   Assign & reassign agents   Yes  Yes  Own to others   No
 *   Mark lead stage            Yes  Yes  Own chats       No
 *   Block visitor by IP        Yes  Yes  No              No
 *   Download chat PDF          Yes  Yes  No              No
 *   Manage agents              Yes  Yes  No              No
 *   Manage staff               Yes  No admin promote  No  No
 *   Edit Projects / AI / DB & global config   Admin only
 *
 * "Own only" / "own chats" for agents are permissions whose ownership check
 * lives in the domain function; QA is read-only (sees, never sends or changes).
 */
type Row = Record<StaffRole, boolean>;
const row = (admin: boolean, manager: boolean, agent: boolean, qa: boolean): Row => ({ admin, manager, agent, qa });
const Y = true;
const N = false;

const EXPECTED: Record<string, Row> = {
  // Each role reaches its own console only.
  "console.admin": row(Y, N, N, N),
  "console.manager": row(N, Y, N, N),
  "console.agent": row(N, N, Y, N),
  "console.qa": row(N, N, N, Y),
  // Own profile and sessions, the console heartbeat: everyone signed in.
  "profile.view": row(Y, Y, Y, Y),
  // View all chats & reports: admin, manager, QA (read-only) see everything; an agent only their own.
  "chat.view_all": row(Y, Y, N, Y),
  "chat.view_own": row(Y, Y, Y, N),
  "reports.view": row(Y, Y, N, Y),
  // QA is read-only: never replies to or closes a chat.
  "chat.reply": row(Y, Y, Y, N),
  "chat.close": row(Y, Y, Y, N),
  // Admin/manager reply in any chat (the chat modal, an admin bubble); an agent only in their own.
  "chat.reply_any": row(Y, Y, N, N),
  // Round-robin hands chats to agents only (with Live Chat on).
  "chat.receive_routed": row(N, N, Y, N),
  // Breaks stop routing, so only agents take them.
  "agent.break": row(N, N, Y, N),
  // Agents pick from the queue themselves; admins/managers assign instead.
  "chat.pick_queued": row(N, N, Y, N),
  // Assign & reassign: admin/manager any chat, an agent hands their own chat to others, QA never.
  "chat.assign_any": row(Y, Y, N, N),
  "chat.reassign_own": row(N, N, Y, N),
  // Mark lead stage: admin/manager, agent on own chats, QA no.
  "chat.lead_stage": row(Y, Y, Y, N),
  "visitor.block": row(Y, Y, N, N),
  // The visitor's IP is for those who may block it.
  "visitor.view_ip": row(Y, Y, N, N),
  "chat.pdf": row(Y, Y, N, N),
  // CRM: QA may look (read-only), never edit; imports are for admin/manager.
  "crm.view": row(Y, Y, Y, Y),
  "crm.edit": row(Y, Y, Y, N),
  "crm.import": row(Y, Y, N, N),
  "crm.sheets": row(Y, N, N, N),
  "marketing.tags": row(Y, Y, N, N),
  "marketing.staff_tags": row(Y, N, N, N),
  "marketing.conversions": row(Y, N, N, N),
  // Every lead: admin, manager and QA (read-only); an agent sees their chats' leads and the leads assigned to them.
  "crm.view_all": row(Y, Y, N, Y),
  // Manage agents: admin, manager.
  "agents.manage": row(Y, Y, N, N),
  // Manage staff: admin; manager too, but no admin promotion.
  "staff.manage": row(Y, Y, N, N),
  "staff.grant_admin": row(Y, N, N, N),
  // Projects, AI and DB/global configuration: admin only.
  "projects.edit": row(Y, N, N, N),
  "ai.edit": row(Y, N, N, N),
  "config.edit": row(Y, N, N, N),
  "security.manage": row(Y, N, N, N),
  // The Security page (blocked IPs, strikes, audit log) is admin and manager; its global configuration stays admin only.
  "security.view": row(Y, Y, N, N),
  // The Overview (totals, queue, funnel) is the back office's home: admin and manager.
  "overview.view": row(Y, Y, N, N),
  // Every agent's live presence and load: supervisors (QA watches too); agents never see each other's load this way.
  "agents.presence": row(Y, Y, N, Y),
};

const actor = (role: StaffRole, over: Partial<{ liveChatEnabled: boolean; crmEnabled: boolean }> = {}) => ({
  role,
  liveChatEnabled: true,
  crmEnabled: true,
  ...over,
});

describe("PERMISSIONS", () => {
  it("has an expectation for every permission and no stale ones", () => {
    expect([...ALL_PERMISSIONS].sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(ALL_PERMISSIONS).toEqual(Object.keys(PERMISSIONS));
  });

  it("knows exactly the four staff roles", () => {
    expect([...STAFF_ROLES].sort()).toEqual(["admin", "agent", "manager", "qa"]);
  });

  const pairs = ALL_PERMISSIONS.flatMap((perm) => STAFF_ROLES.map((role) => [role, perm] as const));
  it.each(pairs)("%s × %s matches the capability table", (role, perm) => {
    const expected = EXPECTED[perm]?.[role];
    expect(expected, `no expectation written for ${perm}`).toBeTypeOf("boolean");
    expect(can(actor(role), perm)).toBe(expected);
    if (expected) expect(() => assertCan(actor(role), perm)).not.toThrow();
    else {
      let thrown: unknown;
      try {
        assertCan(actor(role), perm);
      } catch (err) {
        thrown = err;
      }
      expect(isAppError(thrown)).toBe(true);
      expect((thrown as AppError).code).toBe("forbidden");
    }
  });
});

describe("agent toggles", () => {
  const chatPerms = ALL_PERMISSIONS.filter((p) => p.startsWith("chat.") || p === "agent.break");
  const crmPerms = ALL_PERMISSIONS.filter((p) => p.startsWith("crm."));

  it("covers the chat.* and crm.* families", () => {
    expect(chatPerms.length).toBeGreaterThanOrEqual(8);
    expect(crmPerms.length).toBeGreaterThanOrEqual(2);
  });

  it.each(chatPerms)("an agent with Live Chat off loses %s", (perm) => {
    expect(can(actor("agent", { liveChatEnabled: false }), perm)).toBe(false);
  });

  it.each(crmPerms)("an agent with CRM off loses %s", (perm) => {
    expect(can(actor("agent", { crmEnabled: false }), perm)).toBe(false);
  });

  it("Live Chat off leaves the agent's CRM permissions alone, and CRM off leaves chat alone", () => {
    const noChat = actor("agent", { liveChatEnabled: false });
    for (const p of crmPerms) expect(can(noChat, p), p).toBe(EXPECTED[p].agent);
    const noCrm = actor("agent", { crmEnabled: false });
    for (const p of chatPerms) expect(can(noCrm, p), p).toBe(EXPECTED[p].agent);
  });

  it("an agent with both switches off keeps only their console", () => {
    const off = actor("agent", { liveChatEnabled: false, crmEnabled: false });
    expect(ALL_PERMISSIONS.filter((p) => can(off, p))).toEqual(["console.agent", "profile.view"]);
  });

  it.each(["admin", "manager", "qa"] as const)("the switches only apply to agents (%s keeps everything)", (role) => {
    const off = actor(role, { liveChatEnabled: false, crmEnabled: false });
    for (const p of ALL_PERMISSIONS) expect(can(off, p), `${role} ${p}`).toBe(EXPECTED[p][role]);
  });
});

describe("safeNext", () => {
  it("falls back to the role's console when there is no next", () => {
    for (const role of STAFF_ROLES) {
      expect(safeNext(undefined, role)).toBe(CONSOLE_PATH[role]);
      expect(safeNext(null, role)).toBe(CONSOLE_PATH[role]);
      expect(safeNext("", role)).toBe(CONSOLE_PATH[role]);
    }
  });

  it("keeps paths inside the user's own console", () => {
    expect(safeNext("/admin", "admin")).toBe("/admin");
    expect(safeNext("/admin/chats", "admin")).toBe("/admin/chats");
    expect(safeNext("/admin?tab=open", "admin")).toBe("/admin?tab=open");
    expect(safeNext("/agent/crm", "agent")).toBe("/agent/crm");
    expect(safeNext("/qa/reports", "qa")).toBe("/qa/reports");
  });

  it("keeps the account pages every role shares, and nothing that only starts like them", () => {
    for (const role of STAFF_ROLES) {
      expect(safeNext("/account/security", role)).toBe("/account/security");
      expect(safeNext("/accounts", role)).toBe(CONSOLE_PATH[role]);
    }
  });

  it("never sends a user into another role's console", () => {
    expect(safeNext("/admin", "agent")).toBe("/agent");
    expect(safeNext("/manager/staff", "qa")).toBe("/qa");
    expect(safeNext("/qa", "manager")).toBe("/manager");
    // A prefix that only looks like the console.
    expect(safeNext("/administrator", "admin")).toBe("/admin");
    expect(safeNext("/agents", "agent")).toBe("/agent");
  });

  it("refuses off-site and odd targets", () => {
    const hostile = [
      "https://evil.example/admin",
      "//evil.example/admin",
      "/\\evil.example",
      "\\\\evil.example",
      "admin",
      "javascript:alert(1)",
      "/admin\\..\\x",
    ];
    for (const next of hostile) expect(safeNext(next, "admin"), next).toBe("/admin");
  });
});

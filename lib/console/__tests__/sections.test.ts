import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { STAFF_ROLES } from "../../../db/schema";
import { can, CONSOLE_PATH, type StaffActorLike } from "../../auth/permissions";
import { CONSOLE_SECTIONS, navFor, sectionHref } from "../sections";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const actor = (role: StaffActorLike["role"], liveChatEnabled = true, crmEnabled = true): StaffActorLike => ({ role, liveChatEnabled, crmEnabled });
const labels = (a: StaffActorLike) => navFor(a.role, a).map((l) => l.label);

describe("console navigation from the policy", () => {
  it("links only sections whose page exists: every built section has its page file, no link is a 404", () => {
    for (const role of STAFF_ROLES) {
      for (const s of CONSOLE_SECTIONS[role]) {
        const file = path.join(ROOT, "app", sectionHref(role, s).slice(1), "page.tsx");
        expect(fs.existsSync(file), `${role} ${s.id}: builtIn says ${s.builtIn.includes(role)}, ${file}`).toBe(s.builtIn.includes(role));
      }
    }
  });

  it("a link appears only when the actor holds its permission", () => {
    for (const role of STAFF_ROLES) {
      const a = actor(role);
      for (const link of navFor(role, a)) {
        const s = CONSOLE_SECTIONS[role].find((x) => sectionHref(role, x) === link.href)!;
        expect(s.permission.some((p) => can(a, p)), link.href).toBe(true);
      }
    }
  });

  it("the manager console is the admin console minus what managers may not do (no Projects, no AI)", () => {
    expect(labels(actor("admin"))).toEqual(["Overview", "Chats", "Agents", "Staff", "CRM", "Marketing", "Projects", "Security"]);
    expect(labels(actor("manager"))).toEqual(["Overview", "Chats", "Agents", "Staff", "CRM", "Marketing", "Security"]);
    expect(navFor("manager", actor("manager")).every((l) => l.href.startsWith(CONSOLE_PATH.manager))).toBe(true);
    // The shared list: a manager would never get these links, built or not.
    const hidden = CONSOLE_SECTIONS.manager.filter((s) => !s.permission.some((p) => can(actor("manager"), p))).map((s) => s.label);
    expect(hidden).toEqual(expect.arrayContaining(["Projects", "AI Integration"]));
  });

  it("agents follow their toggles; QA sees its live chats", () => {
    expect(labels(actor("agent", true, true))).toEqual(["Inbox", "CRM"]);
    expect(labels(actor("agent", false, true))).toEqual(["CRM"]);
    // An agent without the CRM toggle never sees the CRM link.
    expect(labels(actor("agent", true, false))).toEqual(["Inbox"]);
    expect(labels(actor("agent", false, false))).toEqual([]);
    expect(labels(actor("qa"))).toEqual(["Live chats", "CRM"]);
  });
});

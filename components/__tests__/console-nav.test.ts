import { describe, expect, it } from "vitest";
import { currentHref } from "../ConsoleNav";
import { consoleNav } from "../ConsoleShell";

describe("currentHref", () => {
  const admin = consoleNav("admin", { liveChat: true, crm: true });
  const agent = consoleNav("agent", { liveChat: true, crm: true });

  it("marks the section the page is in, the longest match winning over the console's home", () => {
    expect(currentHref(admin, "/admin")).toBe("/admin");
    expect(currentHref(admin, "/admin/chats")).toBe("/admin/chats");
    expect(currentHref(admin, "/admin/chats/42")).toBe("/admin/chats");
    expect(currentHref(agent, "/agent")).toBe("/agent");
    // The CRM section is built for agents: its own link is the current one.
    expect(currentHref(agent, "/agent/crm")).toBe("/agent/crm");
    expect(currentHref(agent, "/agent/crm/import")).toBe("/agent/crm");
  });

  it("doesn't mistake a section for one whose name merely starts the same", () => {
    expect(currentHref(admin, "/admin/chatsx")).toBe("/admin");
    expect(currentHref(admin, "/administrator")).toBeNull();
    expect(currentHref(consoleNav("agent", { liveChat: false, crm: true }), "/agent")).toBeNull();
  });
});

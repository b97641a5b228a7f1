import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { ADMIN, expect, signInAs, test, type Account } from "./helpers";
import { escapeRe, newVisitor, PHONE, staffContext, startChat, startOwnServer, visitorContext, type OwnServer, type StaffSeed } from "./chat-helpers";

/**
 * The back office's Agents and Staff pages, as people use them: an admin adds
 * an agent who then signs in and gets a visitor's chat; the admin forces them
 * out; a manager sees only what managers may. A server of its own: routing
 * hands the chat to whoever is online, so no other spec's agents may be.
 * With E2E_SCREENSHOTS=<dir>, the Agents page and its dialog are also saved
 * there at desktop and phone width.
 */
const MANAGER: StaffSeed = { role: "manager", email: "mona.bo@example.test", username: "mona_bo", password: "bo-Mona-pw-7", displayName: "Mona Manager" };
const NEW_AGENT: Account = {
  role: "agent",
  email: "nora.bo@example.test",
  username: "nora_bo",
  password: "saffron kettle orbit 64",
  displayName: "Nora Newagent",
};

test.describe.configure({ mode: "serial" });

let server: OwnServer;
const contexts: BrowserContext[] = [];
let admin: Page;
let agent: Page;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  server = await startOwnServer({ accounts: [MANAGER], name: "back-office" });
  admin = await signedIn(browser, ADMIN);
});

test.afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await server?.dispose();
});

async function signedIn(browser: Browser, account: Account, ctxOpts: "desktop" | "phone" = "desktop"): Promise<Page> {
  const ctx = ctxOpts === "phone" ? await browser.newContext({ baseURL: server.baseURL, ...PHONE }) : await staffContext(browser, server.baseURL);
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto("/login");
  await signInAs(page, account);
  return page;
}

function nav(page: Page) {
  return page.getByRole("navigation", { name: /navigation$/ });
}

function agentsTable(page: Page) {
  return page.getByRole("table", { name: "Agents" });
}

function agentRow(page: Page, name: string) {
  return agentsTable(page).getByRole("row").filter({ hasText: name });
}

async function screenshot(page: Page, name: string) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

test("an admin adds an agent from the Agents page; the agent signs in and receives a visitor's chat", async ({ browser }) => {
  test.setTimeout(120_000);
  await nav(admin).getByRole("link", { name: "Agents" }).click();
  await expect(admin).toHaveURL((u) => u.pathname === "/admin/agents");
  await expect(admin.getByRole("heading", { name: "Agents" })).toBeVisible();
  await expect(admin.getByText("No agents yet. Add one to start taking chats.")).toBeVisible();

  await admin.getByRole("button", { name: "Add agent" }).click();
  const dialog = admin.getByRole("dialog", { name: "Add agent" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Name", { exact: true }).fill(NEW_AGENT.displayName);
  await dialog.getByLabel("Email").fill(NEW_AGENT.email);
  await dialog.getByLabel("Username").fill(NEW_AGENT.username);
  await dialog.getByLabel("Active-chat limit").fill("2");
  // A guessable password: the server's reason shows under the field, and nothing is created.
  await dialog.getByLabel("Password", { exact: true }).fill("password123");
  await dialog.getByRole("button", { name: "Add agent" }).click();
  await expect(dialog.getByLabel("Password", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByLabel("Password", { exact: true })).toHaveAccessibleDescription(/too easy to guess/);
  await screenshot(admin, "agents-dialog-error-desktop");

  await dialog.getByLabel("Password", { exact: true }).fill(NEW_AGENT.password);
  await dialog.getByRole("button", { name: "Add agent" }).click();
  await expect(dialog).toBeHidden();
  await expect(admin.getByRole("status").filter({ hasText: `${NEW_AGENT.displayName} was added.` })).toBeVisible();
  const row = agentRow(admin, NEW_AGENT.displayName);
  await expect(row).toContainText(NEW_AGENT.email);
  await expect(row).toContainText("Offline");
  await expect(row).toContainText("0/2 active");
  await expect(row.getByRole("switch", { name: `Live Chat for ${NEW_AGENT.displayName}` })).toHaveAttribute("aria-checked", "true");
  await expect(admin.getByText("1–1 of 1")).toBeVisible();

  // The new agent signs in elsewhere; their row turns Online without a reload.
  agent = await signedIn(browser, NEW_AGENT);
  await expect(agent.getByRole("tab", { name: /^Active\b/ })).toHaveAttribute("aria-selected", "true");
  await expect(agent.getByText("Connecting…")).toHaveCount(0);
  await expect(row).toContainText("Online", { timeout: 20_000 });
  await screenshot(admin, "agents-desktop");

  // A visitor starts a chat: it goes to the only agent online.
  const visitorCtx = await visitorContext(browser, server.baseURL);
  contexts.push(visitorCtx);
  const visitor = await visitorCtx.newPage();
  const v = newVisitor("Vika");
  await startChat(visitor, v);
  await expect(agent.getByRole("list", { name: "Chats" }).getByRole("button", { name: new RegExp(`^${escapeRe(v.name)}`) })).toBeVisible();
  await expect(row).toContainText("1/2 active", { timeout: 20_000 });
});

test("two admins edit the same agent: the first save wins, the second is told to reload instead of overwriting", async ({ browser }) => {
  const other = await signedIn(browser, ADMIN);
  await other.goto("/admin/agents");
  const openEdit = async (page: Page) => {
    await agentRow(page, NEW_AGENT.displayName).getByRole("button", { name: `Actions for ${NEW_AGENT.displayName}` }).click();
    await page.getByRole("menuitem", { name: "Edit" }).click();
    return page.getByRole("dialog", { name: `Edit ${NEW_AGENT.displayName}` });
  };
  const mine = await openEdit(admin);
  const theirs = await openEdit(other);
  await theirs.getByLabel("Offline-chat limit").fill("4");
  await theirs.getByRole("button", { name: "Save changes" }).click();
  await expect(theirs).toBeHidden();

  await mine.getByLabel("Active-chat limit").fill("9");
  await mine.getByRole("button", { name: "Save changes" }).click();
  await expect(mine.getByRole("alert")).toContainText("Someone else changed this staff member");
  await mine.getByRole("button", { name: "Reload" }).click();
  await expect(mine).toBeHidden();
  const row = agentRow(admin, NEW_AGENT.displayName);
  await expect(row).toContainText("/4 parked");
  await expect(row).toContainText("/2 active");

  // Reopened on the fresh copy, the edit saves.
  const again = await openEdit(admin);
  await expect(again.getByLabel("Offline-chat limit")).toHaveValue("4");
  await again.getByLabel("Active-chat limit").fill("3");
  await again.getByRole("button", { name: "Save changes" }).click();
  await expect(again).toBeHidden();
  await expect(row).toContainText("/3 active");
});

test("force logout from the Agents page ends the agent's session", async () => {
  const row = agentRow(admin, NEW_AGENT.displayName);
  await row.getByRole("button", { name: `Actions for ${NEW_AGENT.displayName}` }).click();
  await admin.getByRole("menuitem", { name: "Force logout" }).click();
  const confirm = admin.getByRole("dialog", { name: `Force ${NEW_AGENT.displayName} to log out?` });
  await confirm.getByRole("button", { name: "Force logout" }).click();
  await expect(confirm).toBeHidden();
  await expect(admin.getByRole("status").filter({ hasText: "signed out everywhere" })).toBeVisible();
  await expect(row).toContainText("Offline");
  await agent.reload();
  await expect(agent).toHaveURL(/\/login/);
});

test("the Agents page and its dialog on a phone", async ({ browser }) => {
  const phone = await signedIn(browser, ADMIN, "phone");
  await phone.goto("/admin/agents");
  // On a phone the rows are cards: the same data, no sideways scrolling.
  const cards = phone.getByRole("list", { name: "Agents" });
  await expect(cards.getByRole("listitem").filter({ hasText: NEW_AGENT.displayName })).toBeVisible();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(phone, "agents-phone");
  await phone.getByRole("button", { name: "Add agent" }).click();
  await expect(phone.getByRole("dialog", { name: "Add agent" }).getByLabel("Name", { exact: true })).toBeVisible();
  await screenshot(phone, "agents-dialog-phone");
});

test("a manager sees Agents and Staff, no Projects or AI links, and can't create an admin (403) or open admin pages", async ({ browser }) => {
  const manager = await signedIn(browser, MANAGER);
  const links = nav(manager).getByRole("link");
  // Its nav is the admin's minus what managers may not do (lib/console/__tests__/sections.test.ts holds the exact list).
  await expect(links).toContainText(["Overview", "Agents", "Staff"]);
  await expect(nav(manager).getByRole("link", { name: /Projects|AI Integration/ })).toHaveCount(0);

  await nav(manager).getByRole("link", { name: "Staff" }).click();
  await expect(manager).toHaveURL((u) => u.pathname === "/manager/staff");
  await expect(manager.getByRole("table", { name: "Staff" }).getByRole("row").filter({ hasText: ADMIN.displayName })).toBeVisible();
  // The admin's row offers nothing to a manager, and the role list has no Admin.
  await expect(manager.getByRole("button", { name: `Actions for ${ADMIN.displayName}` })).toHaveCount(0);
  await screenshot(manager, "staff-manager-desktop");
  await manager.getByRole("button", { name: "Add staff member" }).click();
  const roles = manager.getByRole("dialog", { name: "Add staff member" }).getByLabel("Role");
  await expect(roles.getByRole("option")).toHaveText(["Manager", "QA analyst"]);
  await screenshot(manager, "staff-dialog-manager-desktop");
  await manager.keyboard.press("Escape");

  // The server refuses what the page doesn't offer.
  const res = await manager.request.post("/api/staff", {
    data: { role: "admin", displayName: "Sneaky Admin", email: "sneaky@example.test", username: "sneaky", password: "granite willow comet 19" },
  });
  expect(res.status()).toBe(403);
  // An admin console page sends the manager back to their own console.
  await manager.goto("/admin/agents");
  await expect(manager).toHaveURL((u) => u.pathname === "/manager");
});

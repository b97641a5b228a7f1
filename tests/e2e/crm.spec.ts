import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { BrowserContext, Page } from "@playwright/test";
import { ADMIN, expect, SEEDED, serverState, signInAs, test, type Account } from "./helpers";
import { newVisitor, staffContext, startChat, visitorContext } from "./chat-helpers";

/**
 * The CRM as people use it: a visitor's chat is a lead in the admin's CRM;
 * its stage changed inline there is the chat's stage in the chat view; a
 * note lands in the lead's trail; an agent without the CRM toggle has no
 * CRM link and /agent/crm sends them home; a web form's lead appears under
 * Web leads. With E2E_SCREENSHOTS=<dir>, the pages are saved there.
 */
test.describe.configure({ mode: "serial" });

const contexts: BrowserContext[] = [];
let admin: Page;
const visitor = newVisitor("Cora");

test.beforeAll(async ({ browser }) => {
  const ctx = await staffContext(browser);
  contexts.push(ctx);
  admin = await ctx.newPage();
  await admin.goto("/login");
  await signInAs(admin, ADMIN);
});
test.afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
});

async function screenshot(page: Page, name: string) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

const leadsTable = (page: Page) => page.getByRole("table", { name: "Leads" });

test("a visitor's chat is a lead; its stage changed in the CRM is the chat's stage", async ({ browser }) => {
  const vctx = await visitorContext(browser);
  contexts.push(vctx);
  await startChat(await vctx.newPage(), visitor);

  await admin.goto("/admin");
  await admin.getByRole("navigation", { name: "Admin Console navigation" }).getByRole("link", { name: "CRM" }).click();
  await expect(admin).toHaveURL(/\/admin\/crm$/);
  await expect(admin.getByRole("heading", { name: /Follow-ups due today/ })).toBeVisible();
  await admin.getByLabel("Search leads").fill(visitor.name);
  await expect(admin).toHaveURL(/q=/);
  const row = leadsTable(admin).getByRole("row").filter({ hasText: visitor.name });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Chat");
  await screenshot(admin, "crm-admin");

  const stage = row.getByLabel(`Lead stage of ${visitor.name}`);
  await expect(stage).toHaveValue("new");
  await stage.selectOption("qualified");
  await expect(admin.getByRole("status").getByText(`${visitor.name} is now Qualified.`)).toBeVisible();

  // The lead's detail links to its chat, and the chat says the same stage.
  await row.getByRole("button", { name: new RegExp(visitor.name) }).click();
  const dialog = admin.getByRole("dialog", { name: visitor.name });
  await expect(dialog).toBeVisible();
  await expect(admin).toHaveURL(/lead=\d+/);
  await dialog.getByRole("link", { name: "Open chat" }).click();
  await expect(admin).toHaveURL(/\/admin\/chats\/\d+$/);
  await expect(admin.getByRole("toolbar", { name: "Chat actions" }).getByLabel("Lead stage")).toHaveValue("qualified");
});

test("a note goes into the lead's append-only trail, signed and kept", async () => {
  await admin.goto(`/admin/crm?q=${encodeURIComponent(visitor.name)}`);
  await leadsTable(admin).getByRole("button", { name: new RegExp(visitor.name) }).click();
  const dialog = admin.getByRole("dialog", { name: visitor.name });
  await expect(dialog.getByText("No notes yet.")).toBeVisible();
  const body = `Called back, wants a quote ${randomBytes(2).toString("hex")}`;
  await dialog.getByLabel("New note").fill(body);
  await dialog.getByRole("button", { name: "Add note" }).click();
  const trail = dialog.getByRole("list", { name: "Note trail" });
  await expect(trail.getByRole("listitem").filter({ hasText: body })).toContainText(ADMIN.displayName);
  await expect(dialog.getByLabel("New note")).toHaveValue("");
  // Nothing to edit or delete a note with.
  await expect(trail.getByRole("button")).toHaveCount(0);
  await screenshot(admin, "crm-lead-dialog");

  // Still there after a reload (the link reopens the lead).
  await admin.reload();
  await expect(admin.getByRole("dialog", { name: visitor.name }).getByRole("list", { name: "Note trail" })).toContainText(body);
});

test("an agent without the CRM toggle sees no CRM link, and /agent/crm sends them home", async ({ browser }) => {
  const tag = randomBytes(3).toString("hex");
  const agent: Account = { role: "agent", email: `nocrm-${tag}@example.test`, username: `nocrm_${tag}`, password: `NoCrm-${tag}-Lantern-9`, displayName: `Nora NoCrm ${tag}` };
  const res = await admin.request.post("/api/staff", {
    data: { role: "agent", displayName: agent.displayName, email: agent.email, username: agent.username, password: agent.password, liveChatEnabled: true, crmEnabled: false },
  });
  expect(res.status(), await res.text()).toBe(201);

  const ctx = await staffContext(browser);
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto("/login");
  await signInAs(page, agent);
  const nav = page.getByRole("navigation", { name: "Agent Console navigation" });
  await expect(nav.getByRole("link", { name: "Inbox" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "CRM" })).toHaveCount(0);
  await page.goto("/agent/crm");
  await expect(page).toHaveURL((u) => u.pathname === "/agent");
  expect((await page.request.get("/api/crm/leads")).status()).toBe(403);
  expect((await page.request.get("/api/crm/follow-ups")).status()).toBe(403);
});

const webName = `Wes Web ${randomBytes(3).toString("hex")}`;

test("a web form's lead appears under Web leads", async ({ playwright }) => {
  const name = webName;
  const api = await playwright.request.newContext({ baseURL: serverState().baseURL });
  const res = await api.post("/api/web-leads", {
    headers: { "X-Forwarded-For": `100.90.${Math.floor(Math.random() * 250)}.7` },
    data: { name, email: `wes-${randomBytes(3).toString("hex")}@example.test`, page_url: "https://shop.example.test/offer", utm_source: "newsletter" },
  });
  expect(res.status(), await res.text()).toBe(201);
  await api.dispose();

  await admin.goto("/admin/crm");
  await admin.getByRole("navigation", { name: "Lead sources" }).getByRole("button", { name: "Web leads" }).click();
  await expect(admin).toHaveURL(/source=web/);
  const row = leadsTable(admin).getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("Web form");
  // The chat's lead isn't a web lead.
  await expect(leadsTable(admin).getByRole("row").filter({ hasText: visitor.name })).toHaveCount(0);
  await row.getByRole("button", { name: new RegExp(name) }).click();
  const dialog = admin.getByRole("dialog", { name });
  await expect(dialog.getByText("https://shop.example.test/offer")).toBeVisible();
  await expect(dialog.getByText("newsletter")).toBeVisible();
});

test("a lead assigned to an agent with a follow-up today shows on their console and opens in their CRM", async ({ browser }) => {
  const p2 = (n: number) => String(n).padStart(2, "0");
  const d = new Date();
  const today = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
  await admin.goto(`/admin/crm?source=web&q=${encodeURIComponent(webName)}`);
  const row = leadsTable(admin).getByRole("row").filter({ hasText: webName });
  await row.getByLabel(`Assignee of ${webName}`).selectOption({ label: SEEDED.agent.displayName });
  await expect(admin.getByRole("status").getByText(`Assigned to ${SEEDED.agent.displayName}.`)).toBeVisible();
  await row.getByLabel(`Follow-up date of ${webName}`).fill(today);
  await expect(admin.getByRole("status").getByText(`Follow-up set for ${today}.`)).toBeVisible();
  await row.getByLabel(`Final remark on ${webName}`).fill("Wants a call before noon");
  await row.getByLabel(`Final remark on ${webName}`).press("Enter");
  await expect(admin.getByRole("status").getByText("Final remark saved.")).toBeVisible();

  const ctx = await staffContext(browser);
  contexts.push(ctx);
  const agent = await ctx.newPage();
  await agent.goto("/login");
  await signInAs(agent, SEEDED.agent);
  const badge = agent.getByText(/\d+ follow-ups? due/);
  await expect(badge).toBeVisible();
  await badge.click();
  await screenshot(agent, "crm-agent-console");
  await agent.getByRole("link", { name: webName }).click();
  await expect(agent).toHaveURL(/\/agent\/crm\?lead=\d+/);
  const dialog = agent.getByRole("dialog", { name: webName });
  await expect(dialog.getByLabel(`Final remark on ${webName}`)).toHaveValue("Wants a call before noon");
  await dialog.getByRole("button", { name: "Close" }).click();
  // Their CRM lists their lead, and its follow-up on the landing panel.
  await expect(agent.getByRole("region", { name: /Follow-ups due today/ }).getByRole("link", { name: webName })).toBeVisible();
  await expect(leadsTable(agent).getByRole("row").filter({ hasText: webName })).toHaveCount(1);
  await screenshot(agent, "crm-agent");
  await agent.setViewportSize({ width: 390, height: 844 });
  await screenshot(agent, "crm-agent-phone");
});

import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { BrowserContext, Page } from "@playwright/test";
import { ADMIN, expect, SEEDED, serverState, signInAs, test } from "./helpers";
import { staffContext } from "./chat-helpers";

/**
 * The Projects section as an admin uses it: create a project in the browser
 * (a bad origin line is pointed out first), watch the live preview follow
 * the form, copy its embed codes, and see /p/{slug} serve its branding. A
 * manager never sees or reaches Projects. The admin works on the shared
 * server through http://localhost:<port> while the server's configured
 * address is 127.0.0.1 (no APP_URL): the embed codes must name the
 * configured address, never the Host the admin's browser sent. With
 * E2E_SCREENSHOTS=<dir>, the list and the editor are saved there.
 */
test.describe.configure({ mode: "serial" });

const SLUG = `e2e-brand-${randomBytes(3).toString("hex")}`;
const TITLE = `Harbor Dental ${SLUG.slice(-6)}`;
const ACCENT = "#0f766e";
const contexts: BrowserContext[] = [];

test.afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
});

const viaLocalhost = () => serverState().baseURL.replace("127.0.0.1", "localhost");

async function screenshot(page: Page, name: string) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

test("an admin creates a project in the browser; its page serves the branding, and the embed codes use the configured address", async ({ browser }) => {
  test.setTimeout(120_000);
  const ctx = await staffContext(browser, viaLocalhost());
  contexts.push(ctx);
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: viaLocalhost() });
  const admin = await ctx.newPage();
  await admin.goto("/login");
  await signInAs(admin, ADMIN);

  await admin.getByRole("navigation", { name: /navigation$/ }).getByRole("link", { name: "Projects" }).click();
  await expect(admin).toHaveURL((u) => u.pathname === "/admin/projects");
  const table = admin.getByRole("table", { name: "Projects" });
  await expect(table.getByRole("row").filter({ hasText: "/p/default" })).toContainText("Default");
  await screenshot(admin, "projects-list");

  await admin.getByRole("link", { name: "New project" }).click();
  await expect(admin).toHaveURL((u) => u.pathname === "/admin/projects/new");
  const form = admin.getByRole("form", { name: "New project" });
  await form.getByLabel("Title", { exact: true }).fill(TITLE);
  await form.getByLabel("Slug", { exact: true }).fill(SLUG);
  await form.getByLabel("Subtitle", { exact: true }).fill("Gentle care, fast answers");
  await form.getByLabel("Accent colour", { exact: true }).fill(ACCENT);
  await form.getByLabel("Welcome heading", { exact: true }).fill("Smile, we're here");
  await form.getByLabel("Allowed embed origins").fill("https://www.harbor.test\nhttps://Harbor.test/");

  // The preview is the real visitor page, drawn from the unsaved values.
  const preview = admin.frameLocator('iframe[title="Preview of the visitor page"]');
  await expect(preview.getByRole("heading", { name: TITLE })).toBeVisible();
  await expect(preview.getByRole("heading", { name: "Smile, we're here" })).toBeVisible();
  await expect(preview.locator("header")).toHaveCSS("background-color", "rgb(15, 118, 110)");

  await form.getByRole("button", { name: "Create project" }).click();
  await expect(form.getByText(/^Line 2 \(https:\/\/Harbor\.test\/\).*Did you mean https:\/\/harbor\.test\?/)).toBeVisible();
  await expect(admin).toHaveURL((u) => u.pathname === "/admin/projects/new");

  await form.getByLabel("Allowed embed origins").fill("https://www.harbor.test\nhttps://*.harbor.test");
  await form.getByRole("button", { name: "Create project" }).click();
  await expect(admin).toHaveURL((u) => /^\/admin\/projects\/\d+$/.test(u.pathname));
  await expect(admin.getByRole("heading", { name: `Edit ${TITLE}` })).toBeVisible();

  // Embed codes: absolute URLs from the configured address (HOST=127.0.0.1), not the Host this browser sent (localhost).
  const own = serverState().baseURL;
  const widget = admin.getByLabel("Standard widget code", { exact: true });
  await expect(widget).toContainText(`src="${own}/widget/widget.js"`);
  await expect(widget).toContainText(`data-project="${SLUG}"`);
  await expect(admin.getByLabel("Web lead form code", { exact: true })).toContainText(`${own}/widget/lead-form.js`);
  await expect(admin.getByLabel("Visitor page code", { exact: true })).toHaveText(`${own}/p/${SLUG}`);
  expect((await admin.locator("pre").allTextContents()).join("\n")).not.toContain("localhost");
  for (const name of ["Copy standard widget code", "Copy trigger link code", "Copy popup modal code", "Copy web lead form code"]) {
    await expect(admin.getByRole("button", { name })).toBeVisible();
  }
  await admin.getByRole("button", { name: "Copy standard widget code" }).click();
  await expect(admin.getByText("Standard widget code copied.")).toBeVisible();
  expect(await admin.evaluate(() => navigator.clipboard.readText())).toContain(`data-project="${SLUG}"`);
  await screenshot(admin, "project-editor");

  // The visitor page serves the saved branding.
  const visitor = await browser.newContext({ baseURL: own });
  contexts.push(visitor);
  const page = await visitor.newPage();
  const res = await page.goto(`/p/${SLUG}`);
  expect(res?.status()).toBe(200);
  await expect(page).toHaveTitle(TITLE);
  await expect(page.getByRole("heading", { level: 1, name: TITLE })).toBeVisible();
  await expect(page.locator("header.head")).toHaveCSS("background-color", "rgb(15, 118, 110)");
  await expect(page.getByRole("heading", { name: "Smile, we're here" })).toBeVisible();
  // Framable by the new whitelist: the header names its origins.
  expect(res?.headers()["content-security-policy"]).toContain("frame-ancestors 'self' https://www.harbor.test https://*.harbor.test");
});

test("a manager never sees Projects: no link, the page sends them to their console, the API says 403", async ({ browser }) => {
  const ctx = await staffContext(browser);
  contexts.push(ctx);
  const manager = await ctx.newPage();
  await manager.goto("/login");
  await signInAs(manager, SEEDED.manager);
  const nav = manager.getByRole("navigation", { name: /navigation$/ });
  await expect(nav.getByRole("link", { name: "Staff" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Projects" })).toHaveCount(0);

  await manager.goto("/admin/projects");
  await expect(manager).toHaveURL((u) => u.pathname === "/manager");
  await manager.goto("/admin/projects/new");
  await expect(manager).toHaveURL((u) => u.pathname === "/manager");
  // There is no manager Projects page at all.
  expect((await manager.goto("/manager/projects"))?.status()).toBe(404);

  const api = await ctx.request.get("/api/projects");
  expect(api.status()).toBe(403);
  const write = await ctx.request.post("/api/projects", { data: { slug: `mgr-${randomBytes(3).toString("hex")}`, title: "Nope" }, headers: { origin: serverState().baseURL } });
  expect(write.status()).toBe(403);
});

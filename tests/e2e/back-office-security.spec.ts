import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { BrowserContext, Page } from "@playwright/test";
import { ADMIN, expect, SEEDED, signInAs, test, type Account } from "./helpers";
import { staffContext } from "./chat-helpers";

/**
 * The back office's Security page as people use it: an admin blocks an
 * address with a reason, sees it in the block list and in the audit log with
 * their name, and lifts it after confirming; a manager opens the same page
 * and sees the global configuration read-only. With E2E_SCREENSHOTS=<dir>,
 * the tabs are also saved there.
 */
test.describe.configure({ mode: "serial" });

const contexts: BrowserContext[] = [];
let admin: Page;
// A documentation address (the e2e contexts come from 100.64.0.0/10): blocking it shuts out no other test.
const ADDRESS = `203.0.113.${1 + (randomBytes(1)[0] % 250)}`;
const REASON = `Abusive visitor ${randomBytes(3).toString("hex")}`;

test.beforeAll(async ({ browser }) => {
  admin = await signedIn(browser, ADMIN);
});
test.afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
});

async function signedIn(browser: import("@playwright/test").Browser, account: Account): Promise<Page> {
  const ctx = await staffContext(browser);
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto("/login");
  await signInAs(page, account);
  return page;
}

const nav = (page: Page) => page.getByRole("navigation", { name: /navigation$/ });

async function screenshot(page: Page, name: string) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

test("an admin blocks an address with a reason: it is listed, and the audit log names the operator", async () => {
  await nav(admin).getByRole("link", { name: "Security" }).click();
  await expect(admin).toHaveURL((u) => u.pathname === "/admin/security");
  await expect(admin.getByRole("tab", { name: "Blocked IPs" })).toHaveAttribute("aria-selected", "true");

  await admin.getByRole("button", { name: "Block an address" }).click();
  const dialog = admin.getByRole("dialog", { name: "Block an address" });
  await expect(dialog).toBeVisible();
  // Nothing is blocked without a reason: the field says so.
  await dialog.getByLabel("IP address or CIDR range").fill(ADDRESS);
  await dialog.getByRole("button", { name: "Block" }).click();
  await expect(dialog.getByText("Say why: the reason goes in the audit log.")).toBeVisible();
  await dialog.getByLabel("Reason").fill(REASON);
  await screenshot(admin, "security-block-dialog");
  await dialog.getByRole("button", { name: "Block" }).click();
  await expect(dialog).toBeHidden();
  await expect(admin.getByText(`${ADDRESS} is blocked.`)).toBeVisible();

  const row = admin.getByRole("table", { name: "Blocked addresses" }).getByRole("row").filter({ hasText: ADDRESS });
  await expect(row).toContainText(REASON);
  await expect(row).toContainText("Manual");
  await expect(row).toContainText(ADMIN.displayName);
  await expect(row).toContainText("Lifted by hand");
  await screenshot(admin, "security-blocks");

  await admin.getByRole("tab", { name: "Audit log" }).click();
  await expect(admin).toHaveURL((u) => u.searchParams.get("tab") === "audit");
  const entry = admin.getByRole("table", { name: "Audit log" }).getByRole("row").filter({ hasText: "Blocked an address" }).filter({ hasText: ADDRESS });
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText(ADMIN.displayName);
  await expect(entry).toContainText(`Reason: ${REASON}`);
  // The category filter lives in the URL.
  await admin.getByLabel("Category").selectOption("blocks");
  await expect(admin).toHaveURL((u) => u.searchParams.get("category") === "blocks");
  await expect(entry).toHaveCount(1);
  await screenshot(admin, "security-audit");
});

test("an admin unblocks it after confirming; the audit log records that too", async () => {
  await admin.getByRole("tab", { name: "Blocked IPs" }).click();
  const table = admin.getByRole("table", { name: "Blocked addresses" });
  await table.getByRole("button", { name: `Unblock ${ADDRESS}` }).click();
  const confirm = admin.getByRole("dialog", { name: `Unblock ${ADDRESS}?` });
  await expect(confirm).toBeVisible();
  // Cancel changes nothing.
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(table.getByRole("row").filter({ hasText: ADDRESS })).toHaveCount(1);
  await table.getByRole("button", { name: `Unblock ${ADDRESS}` }).click();
  await confirm.getByRole("button", { name: "Unblock" }).click();
  await expect(admin.getByText(`${ADDRESS} was unblocked.`)).toBeVisible();
  await expect(table.getByRole("row").filter({ hasText: ADDRESS })).toHaveCount(0);

  await admin.getByRole("tab", { name: "Audit log" }).click();
  const entry = admin.getByRole("table", { name: "Audit log" }).getByRole("row").filter({ hasText: "Unblocked an address" }).filter({ hasText: ADDRESS });
  await expect(entry).toContainText(ADMIN.displayName);
});

test("an admin's threshold with a bad number gets the field's error, and nothing is saved", async () => {
  await admin.getByRole("tab", { name: "Strike rules & rate limits" }).click();
  const strikes = admin.getByRole("textbox", { name: "Failed sign-ins: Strikes" });
  await expect(strikes).toBeEditable();
  await strikes.fill("0");
  await admin.getByRole("button", { name: "Save strike rules" }).click();
  await expect(admin.getByText("The limit must be at least 1.")).toBeVisible();
  await admin.getByRole("button", { name: "Discard changes" }).click();
  await expect(strikes).toHaveValue("5");
  await expect(admin.getByRole("table", { name: "Rate limits" })).toContainText("Sign-in attempts");
  await screenshot(admin, "security-rules-admin");
});

test("an admin changes a rate limit (a bad number gets its field's error), then sets it back", async () => {
  await admin.getByRole("tab", { name: "Strike rules & rate limits" }).click();
  const connections = admin.getByRole("textbox", { name: "Socket connections: requests" });
  await expect(connections).toHaveValue("60");
  await connections.fill("0");
  await admin.getByRole("button", { name: "Save rate limits" }).click();
  await expect(admin.getByText("The number of requests must be at least 1.")).toBeVisible();
  await connections.fill("61");
  await admin.getByRole("button", { name: "Save rate limits" }).click();
  await expect(admin.getByText("Rate limits saved.", { exact: false })).toBeVisible();
  await admin.reload();
  await admin.getByRole("tab", { name: "Strike rules & rate limits" }).click();
  await expect(connections).toHaveValue("61");
  // Back to the default: the suite's other specs share this server.
  await connections.fill("60");
  await admin.getByRole("button", { name: "Save rate limits" }).click();
  await expect(admin.getByText("Rate limits saved.", { exact: false }).last()).toBeVisible();
  await admin.getByRole("tab", { name: "Audit log" }).click();
  await expect(admin.getByRole("table", { name: "Audit log" })).toContainText("security.rate_limits", { ignoreCase: true });
});

test("a manager sees the Security page, with the thresholds and the allow-list read-only (the API refuses a change)", async ({ browser }) => {
  const manager = await signedIn(browser, SEEDED.manager);
  await nav(manager).getByRole("link", { name: "Security" }).click();
  await expect(manager).toHaveURL((u) => u.pathname === "/manager/security");
  await expect(manager.getByRole("button", { name: "Block an address" })).toBeVisible();
  await manager.getByRole("tab", { name: "Strike rules & rate limits" }).click();
  await expect(manager.getByText("These rules are global configuration: only an admin can change them.", { exact: false })).toBeVisible();
  await expect(manager.getByRole("textbox", { name: "Failed sign-ins: Strikes" })).toBeDisabled();
  await expect(manager.getByRole("button", { name: "Save strike rules" })).toHaveCount(0);
  await expect(manager.getByRole("textbox", { name: "Socket connections: requests" })).toBeDisabled();
  await expect(manager.getByRole("button", { name: "Save rate limits" })).toHaveCount(0);
  await screenshot(manager, "security-rules-manager");
  await manager.getByRole("tab", { name: "Allow-list" }).click();
  await expect(manager.getByLabel("Allowed addresses, one per line")).toBeDisabled();

  const status = await manager.evaluate(async () => {
    const res = await fetch("/api/security/settings", { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ login: { limit: 6 } }) });
    return res.status;
  });
  expect(status).toBe(403);
  // The admin's console page is not the manager's: it sends them home.
  await manager.goto("/admin/security");
  await expect(manager).toHaveURL((u) => u.pathname === "/manager");
});

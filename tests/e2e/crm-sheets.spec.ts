import fs from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "@playwright/test";
import { startFakeSheets, type FakeSheets } from "../../lib/crm/sheets/__tests__/fake-sheets";
import { expect, test } from "./helpers";
import { adminPage, startOwnServer, type OwnServer } from "./chat-helpers";

/**
 * Google Sheets leads as an admin sets them up: paste the service-account
 * key (only its email comes back), add a source, read its headers live, map
 * them, save, poll now, and find the rows in the CRM's Google Sheet leads tab
 * and the count on the source. A server of its own, with the Sheets API
 * pointed at a fake on 127.0.0.1 (GOOGLE_TOKEN_URL is the fake too; the key's own token_uri is ignored).
 * With E2E_SCREENSHOTS=<dir>, desktop and phone screenshots are saved there.
 */
test.describe.configure({ mode: "serial" });

const SHEET_ID = "1E2eSheetAbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
let fake: FakeSheets;
let server: OwnServer;
let ctx: BrowserContext;
let admin: Page;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  fake = await startFakeSheets();
  fake.setSheet(SHEET_ID, [
    ["Full name", "Mobile", "E-mail", "Campaign"],
    ["Iris Sheet", "+44 20 7946 0321", "iris.sheet@example.test", "Spring"],
    ["Jon Sheet", "", "jon.sheet@example.test", "Spring"],
    ["No Contact", "", "", "Spring"],
  ]);
  server = await startOwnServer({ name: "sheets", env: { GOOGLE_SHEETS_ROOT_URL: fake.url, GOOGLE_TOKEN_URL: `${fake.url}/token` } });
  admin = await adminPage(browser, server.baseURL);
  ctx = admin.context();
});

test.afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await server?.dispose();
  await fake?.close();
});

async function screenshot(page: Page, name: string) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}-desktop.png`), fullPage: true });
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(dir, `${name}-phone.png`), fullPage: true });
  if (size) await page.setViewportSize(size);
}

test("an admin connects a sheet and its rows become leads", async () => {
  test.setTimeout(120_000);
  await admin.goto("/admin/crm");
  await admin.getByRole("link", { name: "Google Sheets" }).click();
  await expect(admin.getByRole("heading", { name: "Google Sheets leads" })).toBeVisible();
  await expect(admin.getByText("No sheets yet.")).toBeVisible();
  await screenshot(admin, "01-empty");

  // The key goes in once; only its email comes back.
  const key = fake.keyJson();
  await admin.getByLabel("Service-account key (JSON)").fill(key);
  await admin.getByRole("button", { name: "Save key" }).click();
  await expect(admin.getByText("Share your sheet with sheets-reader@fake-project.iam.gserviceaccount.com")).toBeVisible();
  await expect(admin.getByLabel("Service-account key (JSON)")).toHaveCount(0);
  expect(await admin.content()).not.toContain("PRIVATE KEY");
  await expect(admin.getByRole("button", { name: "Copy email" })).toBeVisible();

  // Add the source: headers read live, mapping guessed and adjusted.
  await admin.getByRole("button", { name: "Add a sheet" }).click();
  const dialog = admin.getByRole("dialog", { name: "Add a Google Sheet" });
  await dialog.getByLabel("Name").fill("Spring campaign");
  await dialog.getByLabel("Sheet URL or ID").fill(`https://docs.google.com/spreadsheets/d/${SHEET_ID}/edit#gid=0`);
  await expect(dialog.getByLabel("Range")).toHaveValue("Sheet1!A:Z");
  await expect(dialog.getByLabel("Poll every (seconds)")).toHaveValue("60");
  await dialog.getByRole("button", { name: "Read headers" }).click();
  await expect(dialog.getByLabel("Column “Full name” becomes")).toHaveValue("name");
  await expect(dialog.getByLabel("Column “Mobile” becomes")).toHaveValue("phone");
  await expect(dialog.getByLabel("Column “E-mail” becomes")).toHaveValue("email");
  await expect(dialog.getByLabel("Column “Campaign” becomes")).toHaveValue("extra");
  await screenshot(admin, "02-dialog");
  await dialog.getByRole("button", { name: "Add source" }).click();
  await expect(dialog).toHaveCount(0);

  const table = admin.getByRole("table", { name: "Google Sheets sources" });
  const row = table.getByRole("row").filter({ hasText: "Spring campaign" });
  await expect(row).toBeVisible();
  // Poll now (the sweeper reads it within seconds, off the request).
  await row.getByRole("button", { name: "Poll “Spring campaign” now" }).click();
  await expect(row.getByRole("cell", { name: "2", exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(row).toContainText("Row 4: No phone number or email address.");
  await screenshot(admin, "03-polled");

  // The leads, in the CRM's Google Sheet leads tab.
  await admin.getByRole("link", { name: "← Back to CRM" }).click();
  await admin.getByRole("navigation", { name: "Lead sources" }).getByRole("button", { name: "Google Sheet leads" }).click();
  const leads = admin.getByRole("table", { name: "Leads" });
  await expect(leads.getByText("Iris Sheet")).toBeVisible();
  await expect(leads.getByText("Jon Sheet")).toBeVisible();
  await expect(leads.getByText("No Contact")).toHaveCount(0);

  // Polling again imports nothing twice.
  await admin.goto("/admin/crm/sheets");
  await row.getByRole("button", { name: "Poll “Spring campaign” now" }).click();
  await expect(row.getByRole("button", { name: "Poll “Spring campaign” now" })).toHaveText("Poll now", { timeout: 30_000 });
  await expect(row.getByRole("cell", { name: "2", exact: true })).toBeVisible();
});

import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { BrowserContext, Page } from "@playwright/test";
import { ADMIN, expect, signInAs, test } from "./helpers";
import { staffContext } from "./chat-helpers";

/**
 * CSV import as an admin does it: upload a file, check the preview and the
 * guessed column mapping, choose the country for numbers without +, import,
 * watch it finish, read the exact counts and download the rejected rows.
 * With E2E_SCREENSHOTS=<dir>, the steps are also saved there.
 */
test.describe.configure({ mode: "serial" });

let ctx: BrowserContext;
let admin: Page;
const tag = randomBytes(3).toString("hex");

test.beforeAll(async ({ browser }) => {
  ctx = await staffContext(browser);
  admin = await ctx.newPage();
  await admin.goto("/login");
  await signInAs(admin, ADMIN);
});
test.afterAll(async () => {
  await ctx?.close().catch(() => undefined);
});

async function screenshot(page: Page, name: string) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

// Unique numbers and addresses per run: the shared server's database outlives one spec.
const n = (i: number) => `020 7946 ${String(1000 + ((parseInt(tag, 16) + i) % 9000)).slice(-4)}`;
const CSV = [
  "Full name;Mobile;E-mail;Company",
  `Asha ${tag};${n(1)};asha-${tag}@example.com;Rao Ltd`,
  `Ben ${tag};${n(2)};;"Ben ""B"" Co"`,
  `Asha again;${n(1)};;Dup`,
  `Bad phone;12;;`,
  `Bad mail;;not-an-email;`,
].join("\r\n");

test("an admin uploads a CSV, maps its columns, imports it and downloads the rejected rows", async () => {
  await admin.goto("/admin/crm/import");
  await expect(admin.getByRole("heading", { name: "Import leads from CSV" })).toBeVisible();
  await expect(admin.getByRole("link", { name: "← Back to CRM" })).toHaveAttribute("href", "/admin/crm");

  // A file that isn't text is refused with a clear message.
  await admin.getByLabel("CSV file").setInputFiles({ name: "photo.csv", mimeType: "text/csv", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]) });
  await admin.getByRole("button", { name: "Upload and preview" }).click();
  await expect(admin.getByText(/This is not a text file/)).toBeVisible();

  await admin.getByLabel("CSV file").setInputFiles({ name: `leads-${tag}.csv`, mimeType: "text/csv", buffer: Buffer.from("\ufeff" + CSV) });
  await admin.getByRole("button", { name: "Upload and preview" }).click();
  await expect(admin.getByRole("heading", { name: "2. Map the columns" })).toBeVisible();
  await expect(admin.getByText("semicolon separated · first 5 rows shown")).toBeVisible();
  await expect(admin.getByRole("cell", { name: `Asha ${tag}` })).toBeVisible();
  // The mapping is guessed from the header names; one column is changed by hand.
  await expect(admin.getByLabel("Column “Full name” becomes")).toHaveValue("name");
  await expect(admin.getByLabel("Column “Mobile” becomes")).toHaveValue("phone");
  await expect(admin.getByLabel("Column “E-mail” becomes")).toHaveValue("email");
  await expect(admin.getByLabel("Column “Company” becomes")).toHaveValue("extra");
  await admin.getByLabel("Country for numbers without +").selectOption("GB");
  await admin.getByLabel("Skip the row").check();
  await screenshot(admin, "crm-import-mapping");
  await admin.getByRole("button", { name: "Import", exact: true }).click();

  await expect(admin.getByRole("heading", { name: `Import finished: leads-${tag}.csv` })).toBeVisible({ timeout: 30_000 });
  const result = admin.getByRole("definition");
  await expect(result).toHaveText(["2", "1", "2", "5"]);
  await expect(admin.getByText("Skipped as duplicates")).toBeVisible();
  await screenshot(admin, "crm-import-summary");

  const [download] = await Promise.all([admin.waitForEvent("download"), admin.getByRole("link", { name: /Download rejected rows \(2\)/ }).click()]);
  expect(download.suggestedFilename()).toBe(`leads-${tag}-rejected-rows.csv`);
  const text = fs.readFileSync((await download.path())!, "utf8");
  expect(text.split("\r\n")).toEqual([
    '"Line","Reason","Full name","Mobile","E-mail","Company"',
    '"5","Phone ""12"": This number is too short for United Kingdom (+44).","Bad phone","12","",""',
    '"6","Email ""not-an-email"": not a valid email address.","Bad mail","","not-an-email",""',
    "",
  ]);

  // The next upload starts from this mapping and these choices.
  await admin.getByRole("button", { name: "Import another file" }).click();
  await admin.getByLabel("CSV file").setInputFiles({ name: "again.csv", mimeType: "text/csv", buffer: Buffer.from("Company,Full name,Mobile\nX,Y,+442079460000\n") });
  await admin.getByRole("button", { name: "Upload and preview" }).click();
  await expect(admin.getByLabel("Column “Company” becomes")).toHaveValue("extra");
  await expect(admin.getByLabel("Column “Full name” becomes")).toHaveValue("name");
  await expect(admin.getByLabel("Country for numbers without +")).toHaveValue("GB");
});

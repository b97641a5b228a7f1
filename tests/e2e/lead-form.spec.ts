import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Page } from "@playwright/test";
import { asc, eq } from "drizzle-orm";
import { expect, test } from "./helpers";
import { adminPage, PHONE, startOwnServer, tail, type OwnServer } from "./chat-helpers";

/**
 * lead-form.js on a customer's site: a second origin (a small HTTP server on
 * 127.0.0.1 started here) whose pages include the script from the app's
 * origin, the way `<script src="…/widget/lead-form.js" data-project="slug">`
 * does. The forms behave exactly as without the script (the post-and-redirect
 * form still lands on its thank-you page, the SPA form still runs its own
 * handler), and the leads arrive with the landing UTM of the visit's first page:
 * an admin then finds them under CRM → Web leads, with the page and campaign in
 * the lead's detail, and nothing from the ignored or the password form.
 * With E2E_SCREENSHOTS=<dir>, the admin's pages are saved there (desktop and phone).
 */

const SLUG = "leadsite";
let server: OwnServer;
let site: http.Server;
let siteOrigin: string;

function page(title: string, body: string) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<script src="${server.baseURL}/widget/lead-form.js" data-project="${SLUG}"></script></head><body>${body}</body></html>`;
}

const CONTACT_PAGE = `
<h1>Contact</h1>
<form id="main" action="/thanks" method="post">
  <label>First name <input name="first_name" autocomplete="given-name"></label>
  <label>Last name <input name="last_name" autocomplete="family-name"></label>
  <label>Email <input type="email" name="your-email"></label>
  <label>Phone <input type="tel" name="mobile"></label>
  <label>Company <input name="company"></label>
  <input type="hidden" name="csrf_token" value="s3cret">
  <button>Send</button>
</form>
<form id="ignored" data-cp-ignore action="/thanks" method="post">
  <label>Newsletter email <input type="email" name="email"></label><button>Subscribe</button>
</form>
<form id="login" action="/thanks" method="post">
  <label>Login email <input type="email" name="email"></label>
  <label>Password <input type="password" name="password"></label><button>Sign in</button>
</form>
<div id="later"></div>
<script>
  // A form added after load, handled by the page's own script (no navigation).
  setTimeout(() => {
    document.getElementById("later").innerHTML = '<form id="spa"><label>Name <input name="name"></label><label>Work email <input name="work_email" type="email"></label><button>Request demo</button></form><p id="done" hidden>Thanks, we will call you.</p>';
    document.getElementById("spa").addEventListener("submit", (e) => { e.preventDefault(); document.getElementById("done").hidden = false; });
  }, 200);
</script>`;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  site = http.createServer((req, res) => {
    res.setHeader("content-type", "text/html; charset=utf-8");
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/thanks") {
      req.resume();
      res.end(page("Thank you", "<h1>Thank you</h1>"));
    } else if (url.pathname === "/contact") res.end(page("Contact", CONTACT_PAGE));
    else res.end(page("Offer", '<h1>Spring offer</h1><a href="/contact">Contact us</a>'));
  });
  await new Promise<void>((r) => site.listen(0, "localhost", r));
  siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
  server = await startOwnServer({
    name: "lead-form",
    seed: async (db) => {
      const { projects } = await import("../../db/schema");
      await db.insert(projects).values({ slug: SLUG, title: "Lead site", allowedOrigins: [siteOrigin] });
    },
  });
});

test.afterAll(async () => {
  await server?.dispose();
  await new Promise((r) => site?.close(r));
});

test("forms on another site keep doing what they did and become Web leads with the visit's landing UTM, which an admin sees in the CRM", async ({ browser }) => {
  const context = await browser.newContext();
  // Chromium reports the beacon's request; its response only while the page that sent it is
  // still there (a beacon sent as the form navigates away outlives the page, so it's "aborted" for the page).
  const statuses: number[] = [];
  const sent: string[] = [];
  context.on("request", (r) => {
    if (r.url().startsWith(`${server.baseURL}/api/web-leads`)) sent.push(r.postData() ?? "");
  });
  context.on("response", (r) => {
    if (r.url().startsWith(`${server.baseURL}/api/web-leads`)) statuses.push(r.status());
  });

  const p = await context.newPage();
  const landing = `${siteOrigin}/?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=G-123`;
  await p.goto(landing);
  await p.getByRole("link", { name: "Contact us" }).click();
  await expect(p.getByRole("heading", { name: "Contact" })).toBeVisible();

  // Ignored and password forms: nothing is sent (they still submit as they always did).
  await p.getByLabel("Newsletter email").fill("news@example.com");
  await p.getByRole("button", { name: "Subscribe" }).click();
  await expect(p.getByRole("heading", { name: "Thank you" })).toBeVisible();
  await p.goBack();
  await p.getByLabel("Login email").fill("login@example.com");
  await p.getByLabel("Password").fill("hunter2");
  await p.getByRole("button", { name: "Sign in" }).click();
  await expect(p.getByRole("heading", { name: "Thank you" })).toBeVisible();
  await p.goBack();

  // The SPA form added later: its own handler still runs.
  await p.getByLabel("Name", { exact: true }).fill("Dee Spa");
  await p.getByLabel("Work email").fill("dee@example.com");
  await p.getByRole("button", { name: "Request demo" }).click();
  await expect(p.getByText("Thanks, we will call you.")).toBeVisible();
  await expect.poll(() => statuses).toEqual([201]);

  // The classic post-and-redirect form: the thank-you page still comes, and the lead still arrives.
  await p.getByLabel("First name").fill("Asha");
  await p.getByLabel("Last name").fill("Rao");
  await p.getByLabel("Email", { exact: true }).fill("asha@example.com");
  await p.getByLabel("Phone").fill("+44 20 7946 0958");
  await p.getByLabel("Company").fill("Rao Ltd");
  await p.getByRole("button", { name: "Send" }).click();
  await expect(p.getByRole("heading", { name: "Thank you" })).toBeVisible();
  // Its own thank-you page, on its own origin.
  await expect(p).toHaveURL(`${siteOrigin}/thanks`);
  await expect.poll(() => sent.length).toBe(2);
  // The form's own fields went as typed; the campaign is the visit's first page's.
  const beacon = new URLSearchParams(sent[1]);
  expect(Object.fromEntries(beacon)).toMatchObject({ project: SLUG, name: "Asha Rao", email: "asha@example.com", utm_source: "google", gclid: "G-123" });
  expect(beacon.has("csrf_token")).toBe(false);
  await context.close();

  // The admin's side: CRM → Web leads lists both form leads, never the ignored or the password form's.
  const admin = await adminPage(browser, server.baseURL);
  await admin.getByRole("navigation", { name: "Admin Console navigation" }).getByRole("link", { name: "CRM" }).click();
  await expect(admin).toHaveURL(/\/admin\/crm$/);
  await admin.getByRole("navigation", { name: "Lead sources" }).getByRole("button", { name: "Web leads" }).click();
  await expect(admin).toHaveURL(/source=web/);
  const table = admin.getByRole("table", { name: "Leads" });
  const row = table.getByRole("row").filter({ hasText: "Asha Rao" });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("asha@example.com");
  await expect(row).toContainText("+442079460958");
  await expect(row).toContainText("Web form");
  await expect(row).toContainText("Lead site");
  await expect(table.getByRole("row").filter({ hasText: "Dee Spa" })).toContainText("dee@example.com");
  for (const email of ["news@example.com", "login@example.com"]) await expect(table.getByRole("row").filter({ hasText: email })).toHaveCount(0);
  await screenshots(admin, "web-leads");

  // Its detail: the page the form was on and the visit's campaign, and the form's extra field.
  await row.getByRole("button", { name: /Asha Rao/ }).click();
  const dialog = admin.getByRole("dialog", { name: "Asha Rao" });
  await expect(dialog).toBeVisible();
  await expect(admin).toHaveURL(/lead=\d+/);
  // A detail's value: the definition after its term.
  const detail = (label: string) => dialog.getByRole("term").filter({ hasText: new RegExp(`^${label}$`) }).locator("xpath=following-sibling::dd[1]");
  await expect(detail("Phone")).toHaveText("+442079460958");
  await expect(detail("Email")).toHaveText("asha@example.com");
  // The visit's first page (the ad's URL, where the campaign came from) and, beside it, the page the form was on.
  await expect(detail("Landing page")).toHaveText(landing);
  await expect(detail("Form page")).toHaveText(`${siteOrigin}/contact`);
  await expect(detail("UTM source")).toHaveText("google");
  await expect(detail("UTM medium")).toHaveText("cpc");
  await expect(detail("UTM campaign")).toHaveText("spring");
  await expect(detail("Google click id")).toHaveText("G-123");
  await expect(detail("company")).toHaveText("Rao Ltd");
  await expect(dialog).not.toContainText("s3cret");
  await screenshots(admin, "web-lead-detail");
  await admin.context().close();

  expect(await server.stop(), tail(server.logFile)).toBe(0);
  const { openDatabase } = await import("../../db/client");
  const { leads, projects, visitorAttributions } = await import("../../db/schema");
  const handle = await openDatabase(server.database);
  try {
    const [project] = await handle.db.select().from(projects).where(eq(projects.slug, SLUG));
    const rows = await handle.db
      .select({ lead: leads, attr: visitorAttributions })
      .from(leads)
      .leftJoin(visitorAttributions, eq(visitorAttributions.id, leads.attributionId))
      .orderBy(asc(leads.id));
    expect(rows.map((r) => r.lead.email)).toEqual(["dee@example.com", "asha@example.com"]);
    const [spa, main] = rows;
    expect(spa.lead).toMatchObject({ source: "web", projectId: project.id, name: "Dee Spa" });
    expect(main.lead).toMatchObject({ name: "Asha Rao", phone: "+442079460958", extra: { company: "Rao Ltd", "Form page": `${siteOrigin}/contact` } });
    // Never the hidden token.
    expect(JSON.stringify(main.lead.extra)).not.toContain("s3cret");
    for (const { attr } of rows) {
      expect(attr).toMatchObject({ utmSource: "google", utmMedium: "cpc", utmCampaign: "spring", gclid: "G-123", landingUrl: landing });
    }
  } finally {
    await handle.close();
  }
});

/** The page at desktop width and again at phone width (PHONE's viewport), when E2E_SCREENSHOTS names a directory. */
async function screenshots(page: Page, name: string) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  const size = page.viewportSize();
  await page.screenshot({ path: path.join(dir, `${name}-1280.png`), fullPage: true });
  await page.setViewportSize(PHONE.viewport);
  await page.screenshot({ path: path.join(dir, `${name}-390.png`), fullPage: true });
  if (size) await page.setViewportSize(size);
}

import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { ADMIN, expect, signInAs, test } from "./helpers";
import { adminPage, chatLink, escapeRe, expectThreadReady, newVisitor, PHONE, sendText, staffContext, startChat, startOwnServer, visitorContext, type OwnServer, type StaffSeed, type Visitor } from "./chat-helpers";

/**
 * Marketing → Conversions end to end (issue 12): an admin stores a project's
 * Meta settings (the token write-only: only its last four come back, never
 * in the page); an agent marks a lead Qualified and the agent's page pushes
 * `lead_stage_changed` onto `window.dataLayer` with hashed em / ph and the
 * event_id the fake Graph API then receives from the outbox worker; the
 * delivery log shows it sent; Converted asks for the deal value and
 * currency, which the dataLayer event and Meta's Purchase both carry.
 *
 * A server of its own, pointed at a fake Graph API / Measurement Protocol on
 * 127.0.0.1 that records every request and answers as Meta does.
 */
const CORA: StaffSeed = { role: "agent", email: "cora.conv@example.test", username: "cora_conv", password: "convert-Cora-pw-7", displayName: "Cora Conway", activeChatLimit: 5 };
const PIXEL_ID = "123456789012345";
const TOKEN = "EAAGfakeConversionsTokenValue9876Zq81";
const TEST_CODE = "TEST4242";

type Received = { path: string; body: { data?: { event_name: string; event_id: string; user_data: Record<string, unknown>; custom_data?: Record<string, unknown> }[]; access_token?: string; test_event_code?: string } };
type LeadEvent = { event: string; stage: string; lead_id: number; event_id: string; project: string | null; agent: string; value: number | null; currency: string | null; em: string | null; ph: string | null };

test.describe.configure({ mode: "serial" });

let fake: http.Server;
const received: Received[] = [];
let server: OwnServer;
const contexts: BrowserContext[] = [];
let admin: Page;
let cora: Page;
let visitor: Visitor;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  fake = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      let body: Received["body"] = {};
      try {
        body = JSON.parse(raw);
      } catch {
        /* recorded as empty */
      }
      received.push({ path: req.url ?? "", body });
      res.writeHead(200, { "content-type": "application/json" });
      // Meta's answer to /events; GA4's debug endpoint reads validationMessages.
      res.end(JSON.stringify(req.url?.includes("/events") ? { events_received: body.data?.length ?? 0, fbtrace_id: "AbCdEf" } : { validationMessages: [] }));
    });
  });
  await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  server = await startOwnServer({ accounts: [CORA], name: "conversions", env: { META_GRAPH_URL: base, GA4_MP_URL: base } });
  admin = await adminPage(browser, server.baseURL);
  contexts.push(admin.context());
  cora = await openConsole(browser, CORA);
});

test.afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await server?.dispose();
  await new Promise((r) => fake?.close(r));
});

async function openConsole(browser: Browser, account: StaffSeed): Promise<Page> {
  const ctx = await staffContext(browser, server.baseURL);
  contexts.push(ctx);
  const page = await ctx.newPage();
  // The CustomEvent on document, as a script without GTM would hear it.
  await page.addInitScript(() => {
    const w = window as unknown as { __leadEvents: unknown[] };
    w.__leadEvents = [];
    document.addEventListener("lead_stage_changed", (e) => w.__leadEvents.push((e as CustomEvent).detail));
  });
  await page.goto("/login");
  await signInAs(page, account);
  await expect(page.getByText("Connecting…")).toHaveCount(0);
  return page;
}

function metaEvents() {
  return received.filter((r) => r.path.includes(`/${PIXEL_ID}/events`)).flatMap((r) => (r.body.data ?? []).map((d) => ({ ...d, request: r.body })));
}

async function dataLayer(page: Page): Promise<LeadEvent[]> {
  return page.evaluate(() => ((window as unknown as { dataLayer?: unknown[] }).dataLayer ?? []).filter((e) => (e as { event?: string }).event === "lead_stage_changed")) as Promise<LeadEvent[]>;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

function conversionsLog(page: Page) {
  return page.getByRole("table", { name: "Conversion events" });
}

test("an admin stores Meta's settings; the token is write-only and a test event reaches Meta", async () => {
  await admin.goto("/admin/marketing/conversions");
  await expect(admin.getByRole("navigation", { name: "Marketing" }).getByRole("link", { name: "Conversions" })).toHaveAttribute("aria-current", "page");
  await expect(admin.getByLabel("Project", { exact: true })).toHaveValue(/\d+/);
  await expect(admin.getByText("Nothing sent yet.", { exact: false })).toBeVisible();

  const meta = admin.getByRole("region", { name: "Meta Conversions API" });
  await expect(meta.getByRole("button", { name: "Send test event to Meta" })).toBeDisabled();
  await expect(meta.getByText("Save a Pixel ID and an access token first.")).toBeVisible();
  // The defaults: Qualified → Lead, Converted → Purchase, the rest not sent.
  await expect(meta.getByLabel("Qualified", { exact: true })).toHaveValue("Lead");
  await expect(meta.getByLabel("Converted", { exact: true })).toHaveValue("Purchase");
  await expect(meta.getByLabel("New", { exact: true })).toHaveValue("");

  await meta.getByRole("switch", { name: "Send events to Meta" }).check();
  await meta.getByLabel("Pixel ID").fill(PIXEL_ID);
  const token = meta.getByLabel("Access token");
  await expect(token).toHaveAttribute("type", "password");
  await token.fill(TOKEN);
  await meta.getByLabel("Test event code").fill(TEST_CODE);
  await admin.getByRole("button", { name: "Save settings" }).click();
  await expect(admin.getByRole("status").filter({ hasText: "Conversion settings saved." })).toBeVisible();

  // Only the last four come back: the field is empty again, and says which token is stored.
  await expect(token).toHaveValue("");
  await expect(token).toHaveAttribute("placeholder", `Paste a new token to replace ••••${TOKEN.slice(-4)}`);
  await expect(meta.getByText(`Stored, ending in ${TOKEN.slice(-4)}.`)).toBeVisible();
  expect(await admin.content()).not.toContain(TOKEN);
  await admin.reload();
  await expect(meta.getByText(`Stored, ending in ${TOKEN.slice(-4)}.`)).toBeVisible();
  await expect(meta.getByLabel("Pixel ID")).toHaveValue(PIXEL_ID);
  expect(await admin.content()).not.toContain(TOKEN);
  const api = await admin.request.get(`/api/marketing/conversions?projectId=${await admin.getByLabel("Project", { exact: true }).inputValue()}`);
  expect(api.status()).toBe(200);
  expect(await api.text()).not.toContain(TOKEN);

  if (process.env.OCC_SCREENSHOTS) await admin.screenshot({ path: `${process.env.OCC_SCREENSHOTS}/conversions-desktop.png`, fullPage: true });

  // A test event: queued, then sent by the worker; the log follows it without a reload.
  await meta.getByRole("button", { name: "Send test event to Meta" }).click();
  await expect(admin.getByRole("status").filter({ hasText: "Test event queued for Meta." })).toBeVisible();
  const testRow = conversionsLog(admin).getByRole("row").filter({ hasText: "Test" });
  await expect(testRow).toHaveCount(1);
  await expect(testRow.getByText("Sent", { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(testRow).toContainText("200");
  const sent = metaEvents().filter((e) => e.request.test_event_code === TEST_CODE);
  expect(sent.length).toBeGreaterThanOrEqual(1);
  expect(sent[0].request.access_token).toBe(TOKEN);
});

test("the agent marks the lead Qualified: the page's dataLayer and Meta get the same event, hashed", async ({ browser }) => {
  const vctx = await visitorContext(browser, server.baseURL);
  contexts.push(vctx);
  // The ad click: Meta's and Google's cookies on the landing page, the click id and campaign in its URL.
  const host = new URL(server.baseURL).hostname;
  const FBP = "fb.1.1764580000000.1234567890";
  await vctx.addCookies([
    { name: "_fbp", value: FBP, domain: host, path: "/" },
    { name: "_ga", value: "GA1.1.987654321.1764580000", domain: host, path: "/" },
  ]);
  const vpage = await vctx.newPage();
  visitor = newVisitor("Quinn");
  await startChat(vpage, visitor, "/p/default?utm_source=facebook&utm_medium=paid&utm_campaign=spring&fbclid=IwAR_e2e_click");
  await sendText(vpage, "I'd like a quote for the annual plan.");

  const chat = cora.getByRole("list", { name: "Chats" }).getByRole("button", { name: new RegExp(`^${escapeRe(visitor.name)}(, \\d+ unread)?$`) });
  await chat.click();
  await expect(cora.getByRole("region", { name: "Conversation" }).getByRole("heading", { name: visitor.name })).toBeVisible();
  await expectThreadReady(cora);
  const stage = cora.getByLabel("Lead stage");
  await stage.selectOption("Qualified");
  await expect(stage).toHaveValue("qualified");

  await expect.poll(async () => (await dataLayer(cora)).length).toBe(1);
  const [ev] = await dataLayer(cora);
  expect(ev).toMatchObject({ event: "lead_stage_changed", stage: "qualified", project: "default", agent: CORA.displayName, value: null, currency: null, utm_source: "facebook", utm_medium: "paid", utm_campaign: "spring" });
  expect(ev.em).toMatch(/^[0-9a-f]{64}$/);
  expect(ev.ph).toMatch(/^[0-9a-f]{64}$/);
  // Meta's normalisation: the email trimmed and lowercased; the phone as E.164 digits (US: 1 + ten digits).
  expect(ev.em).toBe(sha256(visitor.email.trim().toLowerCase()));
  expect(ev.ph).toBe(sha256(`1${visitor.phone.replace(/\D/g, "")}`));
  expect(JSON.stringify(ev)).not.toContain(visitor.email);
  expect(ev.event_id).toBeTruthy();
  // The same object went out as a CustomEvent on document.
  expect(await cora.evaluate(() => (window as unknown as { __leadEvents: unknown[] }).__leadEvents)).toEqual([ev]);

  // The outbox worker sends it to the (fake) Graph API with the same event_id, so Meta can deduplicate the pixel's copy.
  await expect.poll(() => metaEvents().find((e) => e.event_id === ev.event_id)?.event_name, { timeout: 20_000 }).toBe("Lead");
  const m = metaEvents().find((e) => e.event_id === ev.event_id)!;
  expect(m.user_data.em).toEqual([ev.em]);
  expect(m.user_data.ph).toEqual([ev.ph]);
  // Captured at chat start: the _fbp cookie as is, fbc built from the fbclid (no _fbc cookie), the visitor's browser.
  expect(m.user_data.fbp).toBe(FBP);
  expect(m.user_data.fbc).toMatch(/^fb\.1\.\d{13}\.IwAR_e2e_click$/);
  expect(m.user_data.client_user_agent).toEqual(expect.stringContaining("Chrome"));
  expect(typeof m.user_data.client_ip_address).toBe("string");
  expect((m as unknown as { event_source_url: string }).event_source_url).toContain("/p/default?utm_source=facebook");

  // The delivery log says so.
  await admin.goto("/admin/marketing/conversions");
  const row = conversionsLog(admin).getByRole("row").filter({ hasText: ev.event_id });
  await expect(row).toContainText("Qualified");
  await expect(row).toContainText("Lead");
  await expect(row.getByText("Sent", { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(row.getByRole("link", { name: `Lead #${ev.lead_id}` })).toHaveAttribute("href", `/admin/crm?lead=${ev.lead_id}`);
});

test("Converted asks for the deal value and currency; the event carries them", async ({ browser }) => {
  const stage = cora.getByLabel("Lead stage");
  // Cancel leaves the stage as it was, and nothing is pushed.
  await stage.selectOption("Converted");
  const dialog = cora.getByRole("dialog", { name: "Mark as converted" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(stage).toHaveValue("qualified");
  expect(await dataLayer(cora)).toHaveLength(1);

  await stage.selectOption("Converted");
  await expect(dialog).toBeVisible();
  const value = dialog.getByLabel("Deal value");
  await expect(dialog.getByLabel("Currency")).toHaveValue("USD");
  // No value, or a typo, is caught before anything is sent.
  await dialog.getByRole("button", { name: "Mark as converted" }).click();
  await expect(dialog.getByText(/Enter the deal's value, or 0 if it has none yet/)).toBeVisible();
  await value.fill("12.3456");
  await dialog.getByRole("button", { name: "Mark as converted" }).click();
  await expect(dialog.getByText("Use at most 2 decimal places for USD.")).toBeVisible();
  await value.fill("1,250.50");
  await dialog.getByLabel("Currency").selectOption("EUR");
  await expect(dialog.getByText(/Sent as 1,250\.50 EUR\./)).toBeVisible();
  if (process.env.OCC_SCREENSHOTS) await cora.screenshot({ path: `${process.env.OCC_SCREENSHOTS}/deal-dialog-desktop.png` });
  await dialog.getByRole("button", { name: "Mark as converted" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(stage).toHaveValue("converted");

  await expect.poll(async () => (await dataLayer(cora)).length).toBe(2);
  const ev = (await dataLayer(cora))[1];
  expect(ev).toMatchObject({ stage: "converted", value: 1250.5, currency: "EUR" });
  await expect.poll(() => metaEvents().find((e) => e.event_id === ev.event_id)?.event_name, { timeout: 20_000 }).toBe("Purchase");
  expect(metaEvents().find((e) => e.event_id === ev.event_id)!.custom_data).toEqual({ value: 1250.5, currency: "EUR" });

});

test("the CRM asks for the deal too, on a phone; the page pushes each change", async ({ browser }) => {
  const ctx = await browser.newContext({ baseURL: server.baseURL, ...PHONE });
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto("/login");
  await signInAs(page, ADMIN);
  await page.goto("/admin/marketing/conversions");
  await expect(page.getByRole("region", { name: "Meta Conversions API" })).toBeVisible();
  if (process.env.OCC_SCREENSHOTS) await page.screenshot({ path: `${process.env.OCC_SCREENSHOTS}/conversions-phone.png`, fullPage: true });

  // On a phone the leads are cards: the visible stage control is the card's.
  await page.goto("/admin/crm");
  const select = page.getByLabel(`Lead stage of ${visitor.name}`).filter({ visible: true });
  await expect(select).toHaveValue("converted");
  await select.selectOption("qualified");
  await expect(page.getByRole("status").filter({ hasText: `${visitor.name} is now Qualified.` })).toBeVisible();
  await select.selectOption("converted");
  const dialog = page.getByRole("dialog", { name: "Mark as converted" });
  await expect(dialog).toBeVisible();
  // A new browser: no remembered currency, so USD.
  await expect(dialog.getByLabel("Currency")).toHaveValue("USD");
  await dialog.getByLabel("Deal value").fill("980");
  if (process.env.OCC_SCREENSHOTS) await page.screenshot({ path: `${process.env.OCC_SCREENSHOTS}/deal-dialog-phone.png` });
  await dialog.getByRole("button", { name: "Mark as converted" }).click();
  await expect(page.getByRole("status").filter({ hasText: `${visitor.name} is now Converted.` })).toBeVisible();
  await expect(select).toHaveValue("converted");

  const events = await dataLayer(page);
  expect(events.map((e) => [e.stage, e.value, e.currency])).toEqual([
    ["qualified", null, null],
    ["converted", 980, "USD"],
  ]);
  expect(events[1].agent).toBe(ADMIN.displayName);
  await expect.poll(() => metaEvents().find((e) => e.event_id === events[1].event_id)?.custom_data, { timeout: 20_000 }).toEqual({ value: 980, currency: "USD" });
});

test("the back office's chat modal pushes its changes too, and Converted asks there as well", async () => {
  await admin.goto("/admin/chats");
  await chatLink(admin, visitor.name).first().click();
  const modal = admin.getByRole("dialog", { name: `Chat with ${visitor.name}` });
  await expect(modal).toBeVisible();
  const stage = modal.getByLabel("Lead stage");
  await expect(stage).toHaveValue("converted");
  await stage.selectOption("Not qualified");
  await expect(admin.getByRole("status").filter({ hasText: "Lead stage: Not qualified." })).toBeVisible();

  await stage.selectOption("Converted");
  const deal = admin.getByRole("dialog", { name: "Mark as converted" });
  await expect(deal).toBeVisible();
  // Escape closes the deal dialog only: the chat modal stays, the stage unchanged.
  await admin.keyboard.press("Escape");
  await expect(deal).toHaveCount(0);
  await expect(modal).toBeVisible();
  await expect(stage).toHaveValue("not_qualified");

  await stage.selectOption("Converted");
  await deal.getByLabel("Deal value").fill("2.000,75");
  await expect(deal.getByText("Sent as 2,000.75", { exact: false })).toBeVisible();
  await deal.getByRole("button", { name: "Mark as converted" }).click();
  await expect(deal).toHaveCount(0);
  await expect(stage).toHaveValue("converted");

  // Pushed once the server has answered: wait for it rather than read at once.
  await expect.poll(async () => (await dataLayer(admin)).slice(-2).map((e) => e.stage)).toEqual(["not_qualified", "converted"]);
  const events = (await dataLayer(admin)).slice(-2);
  expect(events[1]).toMatchObject({ value: 2000.75, agent: ADMIN.displayName });
  expect(events[1].currency).toMatch(/^[A-Z]{3}$/);
});

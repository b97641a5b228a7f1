import fs from "node:fs";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { ADMIN, expect, SEEDED, serverState, signInAs, test, type Account } from "./helpers";
import { DESKTOP, expectThreadReady, fillContactForm, newVisitor, PHONE, staffContext, visitorContext } from "./chat-helpers";

/**
 * Marketing → Tags in a real browser: an admin saves a head snippet whose
 * inline script sets `window.__tagRan` and, as Google Tag Manager does,
 * creates a <script> loading a file from another origin (a tiny server of
 * this spec on 127.0.0.1) that sets `window.__tagChild`, and a body snippet
 * (markup and a script, first in <body>). The visitor pages
 * run both under their strict CSP without one violation; the agent console
 * runs neither until "Staff pages" is switched on, then both, again without
 * a violation. The embeddable widget isn't built yet (n/a). Screenshots of
 * the Tags page go to /tmp/shots/tags (or E2E_SCREENSHOTS).
 */
test.describe.configure({ mode: "serial" });

const SHOTS = process.env.E2E_SCREENSHOTS || "/tmp/shots/tags";
const contexts: BrowserContext[] = [];
let tagServer: http.Server;
let tagOrigin: string;
const childRequests: string[] = [];
let admin: Page;

test.beforeAll(async ({ browser }) => {
  // The "tag vendor": one script that says it ran.
  tagServer = http.createServer((req, res) => {
    childRequests.push(req.url ?? "");
    if (req.url?.startsWith("/child.js")) {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" });
      res.end("window.__tagChild = true;");
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => tagServer.listen(0, "127.0.0.1", r));
  tagOrigin = `http://127.0.0.1:${(tagServer.address() as net.AddressInfo).port}`;
  admin = await signedIn(browser, ADMIN);
});

test.afterAll(async () => {
  // The server is shared with other specs: leave no tags behind.
  if (admin) {
    const res = await admin.request.put("/api/marketing/tags", { data: { head: "", body: "", visitorPages: true, staffPages: false, extraHosts: [] } });
    expect(res.status()).toBe(200);
  }
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await new Promise((r) => tagServer?.close(r));
});

const headSnippet = () => `<!-- Test tag manager -->
<script>
  window.__tagRan = true;
  (function (d) {
    var s = d.createElement("script");
    s.async = true;
    s.src = "${tagOrigin}/child.js?from=" + encodeURIComponent(location.pathname);
    d.head.appendChild(s);
  })(document);
</script>
<!-- End test tag manager -->`;

async function signedIn(browser: Browser, account: Account): Promise<Page> {
  const ctx = await staffContext(browser);
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto("/login");
  await signInAs(page, account);
  return page;
}

/** Every CSP violation the page's documents report, and CSP errors on the console. */
async function watchCsp(page: Page) {
  const violations: string[] = [];
  await page.exposeFunction("__cspViolation", (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI} on ${e.documentURI}`);
    });
  });
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (err) => violations.push(`pageerror: ${err.message}`));
  return violations;
}

/** A body snippet: markup first in <body>, and a script of its own. */
const BODY_SNIPPET = `<div id="tag-body-marker" hidden></div><script>window.__tagBody = document.body.firstElementChild !== null;</script>`;

const flags = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __tagRan?: boolean; __tagChild?: boolean; __tagBody?: boolean };
    return { ran: w.__tagRan === true, child: w.__tagChild === true, body: w.__tagBody === true && document.getElementById("tag-body-marker") !== null };
  });

async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

const tagsForm = (page: Page) => ({
  head: page.getByLabel("Head snippet"),
  body: page.getByLabel("Body snippet"),
  visitor: page.getByRole("switch", { name: "Visitor pages" }),
  staff: page.getByRole("switch", { name: "Staff pages" }),
  save: page.getByRole("button", { name: "Save tags" }),
});

test("an admin opens Marketing → Tags, is told what is wrong with a bad paste, and saves a head and a body snippet", async () => {
  await admin.getByRole("navigation", { name: /navigation$/ }).getByRole("link", { name: "Marketing" }).click();
  await expect(admin).toHaveURL((u) => u.pathname === "/admin/marketing");
  await expect(admin.getByRole("navigation", { name: "Marketing" }).getByRole("link", { name: "Tags" })).toHaveAttribute("aria-current", "page");
  const f = tagsForm(admin);
  await expect(f.visitor).toBeChecked();
  await expect(f.staff).not.toBeChecked();
  await expect(admin.getByText("The embeddable widget is never affected: it runs in a Shadow DOM on your customer's site.")).toBeVisible();
  await expect(admin.getByText(/a script on staff pages runs as the signed-in staff member/)).toBeVisible();
  await shot(admin, "tags-empty-desktop");

  // Code pasted without its <script> tags: refused, with the reason at the field.
  await f.head.fill("gtag('config', 'G-TEST123');");
  await f.save.click();
  await expect(f.head).toHaveAttribute("aria-invalid", "true");
  await expect(admin.getByText(/The head snippet has text outside any tag/)).toBeVisible();
  await expect(admin.getByRole("alert").filter({ hasText: "The tags were not saved: fix what is marked below." })).toBeVisible();
  await shot(admin, "tags-error-desktop");

  await f.head.fill(headSnippet());
  await f.body.fill(BODY_SNIPPET);
  await f.save.click();
  await expect(admin.getByRole("status").getByText("Tags saved. They are live on the next page load.").last()).toBeVisible();
  await expect(f.head).not.toHaveAttribute("aria-invalid", "true");
  // The loader's local http origin is not added to the policy (only https DNS names are): the child script it
  // loads still runs below, because 'strict-dynamic' trusts what a nonce'd script loads.
  await expect(admin.getByText("No hosts beyond our own: the saved snippets name none.")).toBeVisible();
  await shot(admin, "tags-saved-desktop");
  await admin.setViewportSize(PHONE.viewport);
  await shot(admin, "tags-saved-phone");
  await admin.setViewportSize(DESKTOP.viewport);
});

test("the visitor pages run the snippet and what it loads, without a CSP violation", async ({ browser }) => {
  const ctx = await visitorContext(browser);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const violations = await watchCsp(page);
  const res = await page.goto("/p/default");
  expect(res?.headers()["content-security-policy"]).toContain("'strict-dynamic'");
  await expect.poll(() => flags(page)).toEqual({ ran: true, child: true, body: true });
  // Our own landing script (nonce'd now) still works, and so does the chunk it imports on first focus.
  const rules = page.waitForRequest((r) => /\/visitor-assets\/rules-\w+\.js$/.test(r.url()));
  await page.getByLabel("Name", { exact: true }).focus();
  await rules;
  await expect(page.getByRole("button", { name: "Start chat" })).toBeVisible();

  // The React visitor page (the chat, once started) carries it too: a new document, so the flags start over.
  await fillContactForm(page, newVisitor("Tess"));
  await page.getByRole("button", { name: "Start chat" }).click();
  await page.waitForURL(/\/p\/default\/chat$/);
  await expectThreadReady(page);
  await expect.poll(() => flags(page)).toEqual({ ran: true, child: true, body: true });
  expect(childRequests).toEqual(expect.arrayContaining(["/child.js?from=%2Fp%2Fdefault", "/child.js?from=%2Fp%2Fdefault%2Fchat"]));
  expect(violations).toEqual([]);
});

test("the agent console runs it only once staff pages are switched on, then without a CSP violation", async ({ browser }) => {
  const agent = await signedIn(browser, SEEDED.agent);
  const violations = await watchCsp(agent);
  await agent.reload();
  await expect(agent.getByRole("heading", { name: "Agent Console" })).toBeVisible();
  expect(await flags(agent)).toEqual({ ran: false, child: false, body: false });
  expect(childRequests.some((u) => u.includes("%2Fagent"))).toBe(false);

  const f = tagsForm(admin);
  await f.staff.check();
  await expect(admin.getByRole("alert").filter({ hasText: "a script on staff pages runs as the signed-in staff member" })).toBeVisible();
  await f.save.click();
  await expect(admin.getByRole("status").getByText("Tags saved. They are live on the next page load.").last()).toBeVisible();
  await shot(admin, "tags-staff-on-desktop");

  await agent.reload();
  await expect(agent.getByRole("heading", { name: "Agent Console" })).toBeVisible();
  await expect.poll(() => flags(agent)).toEqual({ ran: true, child: true, body: true });
  // The console still works under its policy: React hydrated (a control reacts) and nothing was refused.
  await expect(agent.getByRole("navigation").first()).toBeVisible();
  expect(violations).toEqual([]);

  // Off again: the next load of the console has no tag.
  await f.staff.uncheck();
  await f.save.click();
  await expect(admin.getByRole("status").getByText("Tags saved. They are live on the next page load.").last()).toBeVisible();
  await agent.reload();
  await expect(agent.getByRole("heading", { name: "Agent Console" })).toBeVisible();
  expect(await flags(agent)).toEqual({ ran: false, child: false, body: false });
});

test("a manager has the same Tags page, but staff pages are an admin's switch; the API routes never carry the tags", async ({ browser }) => {
  const manager = await signedIn(browser, SEEDED.manager);
  await manager.goto("/manager/marketing");
  const f = tagsForm(manager);
  await expect(f.head).toHaveValue(headSnippet());
  // A script on staff pages would run in the admin's console: a manager can't switch it on.
  await expect(f.staff).toBeDisabled();
  await expect(manager.getByText("Only an admin can turn this on.")).toBeVisible();
  const api = await manager.request.get("/api/marketing/tags");
  expect(api.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  expect(await api.text()).not.toContain("nonce=");
});

test("on a phone the console's one-row nav scrolls the section you are on into view", async ({ browser }) => {
  const ctx = await browser.newContext({ baseURL: serverState().baseURL, ...PHONE });
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto("/login");
  await signInAs(page, ADMIN);
  // Marketing and Security sit past the right edge of a 390 px row.
  for (const [path, name] of [["/admin/marketing", "Marketing"], ["/admin/security", "Security"], ["/admin", "Overview"]] as const) {
    await page.goto(path);
    const link = page.getByRole("navigation", { name: "Admin Console navigation" }).getByRole("link", { name, exact: true });
    await expect(link).toHaveAttribute("aria-current", "page");
    await expect.poll(async () => {
      const box = await link.boundingBox();
      return box !== null && box.x >= 0 && box.x + box.width <= PHONE.viewport.width;
    }, { message: `${name} in view` }).toBe(true);
  }
});

import type { Frame, Page } from "@playwright/test";
import { ADMIN, expect, serverState, submitSignIn, test } from "./helpers";
import { expectThreadReady, fillContactForm, messageItem, newVisitor, tick, visitorContext } from "./chat-helpers";

/**
 * The CSPs of lib/security/headers.ts in a real browser: every page still
 * works under its policy (scripts by nonce or from our origin, the socket to
 * our own origin) without one violation, and the framing rules hold —
 * visitor pages framable by ourselves (and the project's allowed origins),
 * staff and error pages by nobody. The headers themselves are checked in
 * lib/security/__tests__/headers.test.ts.
 */

/** Record every CSP violation the page's documents report, and CSP errors on the console. */
async function watchCsp(page: Page) {
  const violations: string[] = [];
  await page.exposeFunction("__cspViolation", (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI} on ${e.documentURI}`);
    });
  });
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  return violations;
}

test.describe("content security policy in the browser", () => {
  test("a visitor's whole path (landing page, lazy rules, chat page, live socket) runs without a violation", async ({ browser }) => {
    const page = await (await visitorContext(browser)).newPage();
    const violations = await watchCsp(page);
    await page.goto("/p/default");
    // The landing script is ours ('self'); the phone rules chunk it imports on first focus too.
    const rules = page.waitForRequest((r) => /\/visitor-assets\/rules-\w+\.js$/.test(r.url()));
    await page.getByLabel("Name", { exact: true }).focus();
    await rules;
    await fillContactForm(page, newVisitor("Cora"));
    await page.getByRole("button", { name: "Start chat" }).click();
    await page.waitForURL(/\/p\/default\/chat$/);
    // React hydrated under the nonce, and the socket (connect-src) carries the message.
    await expectThreadReady(page);
    await page.getByLabel("Message", { exact: true }).fill("Does the policy let me through?");
    await page.getByRole("button", { name: "Send" }).click();
    await expect(tick(messageItem(page, "Does the policy let me through?"), "Sent")).toBeVisible();
    expect(violations).toEqual([]);
  });

  test("the sign-in page and a 404 page run under the strict staff policy without a violation", async ({ page }) => {
    const violations = await watchCsp(page);
    await page.goto("/login");
    const res = await submitSignIn(page, ADMIN.email, "not-the-password");
    expect(res.status()).toBe(401);
    await expect(page.locator("form").getByRole("alert")).toBeVisible();
    const missing = await page.goto("/no/such/page");
    expect(missing?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    expect(violations).toEqual([]);
  });
});

test.describe("framing", () => {
  /** A parent page at `parentUrl` (served by the test) framing `src`: the child frame, once its load event fired (blocked or not). */
  async function framed(page: Page, parentUrl: string, src: string): Promise<Frame> {
    await page.route(parentUrl, (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><title>parent</title><iframe id="f" src="${src}" title="embedded" onload="document.title='loaded'"></iframe>`,
      }),
    );
    await page.goto(parentUrl);
    await expect(page).toHaveTitle("loaded");
    return (await page.locator("#f").elementHandle())!.contentFrame() as Promise<Frame>;
  }

  test("a visitor page is framable by our own origin; a foreign site can't frame it, and nobody can frame a staff page", async ({ page }) => {
    const base = serverState().baseURL;
    const own = await framed(page, `${base}/__frame-parent`, `${base}/p/default`);
    await expect(own.getByRole("button", { name: "Start chat" })).toBeVisible();

    const staff = await framed(page, `${base}/__frame-parent-2`, `${base}/login`);
    await expect(staff.getByLabel("Email or username")).toHaveCount(0);

    // The default project allows no other origin.
    const foreign = await framed(page, "https://shop.example.org/embed", `${base}/p/default`);
    await expect(foreign.getByRole("button", { name: "Start chat" })).toHaveCount(0);
  });
});

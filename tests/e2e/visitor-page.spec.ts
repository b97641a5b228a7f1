import type { Page, Request } from "@playwright/test";
import { expect, test } from "./helpers";
import { expectThreadReady, fillContactForm, newVisitor, visitorContext } from "./chat-helpers";

/**
 * The ad landing page `/p/{slug}` as a first-time visitor meets it: small,
 * no chat code until the chat starts, phone rules only once they interact,
 * a favicon, a country picker that fits a phone. Sizes only — timing lives
 * in bench/lighthouse.ts, never in tests.
 */

const BUDGET_BYTES = 100 * 1024;

/** Every finished request of a page, with its bytes on the wire (headers + encoded body). */
function recordRequests(page: Page) {
  const done: { url: string; type: string; bytes: number }[] = [];
  const pending: Promise<void>[] = [];
  const onFinished = (r: Request) => {
    pending.push(
      r.sizes().then((s) => {
        done.push({ url: r.url(), type: r.resourceType(), bytes: s.responseBodySize + s.responseHeadersSize });
      }),
    );
  };
  page.on("requestfinished", onFinished);
  return {
    async settle() {
      await Promise.all(pending);
      return done;
    },
  };
}

test.describe("landing page", () => {
  test("first load is under 100 KiB of HTML, JS and CSS and carries no chat code; the phone rules load on first interaction", async ({ browser }) => {
    const page = await (await visitorContext(browser)).newPage();
    const log = recordRequests(page);
    await page.goto("/p/default");
    await page.waitForLoadState("networkidle");
    await expect(page.getByRole("button", { name: "Start chat" })).toBeEnabled();

    const first = await log.settle();
    const counted = first.filter((r) => ["document", "script", "stylesheet"].includes(r.type));
    const total = counted.reduce((n, r) => n + r.bytes, 0);
    expect(total, counted.map((r) => `${r.bytes} ${r.url}`).join("\n")).toBeLessThan(BUDGET_BYTES);
    // No framework runtime, no chat bundle, no phone metadata yet.
    const scripts = first.filter((r) => r.type === "script").map((r) => new URL(r.url).pathname);
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatch(/^\/visitor-assets\/landing-\w+\.js$/);
    expect(first.filter((r) => r.url.includes("/_next/"))).toEqual([]);
    await expect(page.getByLabel("Message", { exact: true })).toHaveCount(0);

    // Touching the form fetches the rules; leaving an invalid phone shows the server's own message inline.
    const rules = page.waitForRequest((r) => /\/visitor-assets\/rules-\w+\.js$/.test(r.url()));
    await page.getByLabel("Name", { exact: true }).focus();
    await rules;
    await page.getByLabel("Country", { exact: true }).selectOption("US");
    const phone = page.getByLabel("Phone", { exact: true });
    await phone.fill("999 999 9999");
    await phone.blur();
    await expect(phone).toHaveAccessibleDescription("Enter a valid phone number for United States (+1).");
    await expect(phone).toHaveAttribute("aria-invalid", "true");
    expect((await log.settle()).filter((r) => r.url.includes("/_next/"))).toEqual([]);

    // Starting the chat is what brings in React and the chat code.
    const v = newVisitor("Lina");
    await fillContactForm(page, v);
    await page.getByRole("button", { name: "Start chat" }).click();
    await expectThreadReady(page);
    await expect(page).toHaveURL((u) => u.pathname === "/p/default/chat");
    expect((await log.settle()).some((r) => r.type === "script" && r.url.includes("/_next/static/"))).toBe(true);

    // A returning visitor goes straight to the chat: by cookie, or by the localStorage token when the cookie is gone.
    await page.goto("/p/default");
    await expect(page).toHaveURL((u) => u.pathname === "/p/default/chat");
    await expectThreadReady(page);
    await page.context().clearCookies();
    await page.goto("/p/default");
    await expect(page).toHaveURL((u) => u.pathname === "/p/default/chat");
    await expectThreadReady(page);
    await page.context().close();
  });

  test("the browser's own region refines the server's guess for the country picker", async ({ browser }) => {
    const page = await (await visitorContext(browser)).newPage();
    // Accept-Language says Germany; the browser itself says Britain (as a phone's region setting can).
    await page.setExtraHTTPHeaders({ "Accept-Language": "de-DE,de;q=0.9" });
    await page.addInitScript(() => {
      Object.defineProperty(navigator, "languages", { get: () => ["en-GB"] });
      Object.defineProperty(navigator, "language", { get: () => "en-GB" });
    });
    const html = await (await page.request.get("/p/default", { headers: { "Accept-Language": "de-DE,de;q=0.9" } })).text();
    expect(html).toContain('<option value="DE" selected>');
    await page.goto("/p/default");
    await expect(page.getByLabel("Country", { exact: true })).toHaveValue("GB");
    await expect(page.locator("#occ-dial")).toHaveText("+44");
    await page.context().close();
  });

  test("the country picker shows the whole country on a 390 px phone", async ({ browser }) => {
    const page = await (await visitorContext(browser)).newPage();
    await page.goto("/p/default");
    const select = page.getByLabel("Country", { exact: true });
    for (const code of ["US", "GB", "DE"]) {
      await select.selectOption(code);
      const fit = await select.evaluate((el: HTMLSelectElement) => {
        const cs = getComputedStyle(el);
        const ctx = document.createElement("canvas").getContext("2d")!;
        ctx.font = cs.font;
        const text = ctx.measureText(el.selectedOptions[0].text).width;
        const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
        return { text, room };
      });
      expect(fit.text, code).toBeLessThanOrEqual(fit.room);
    }
    await page.context().close();
  });

  test("the header text passes WCAG AA on the accent", async ({ browser }) => {
    const page = await (await visitorContext(browser)).newPage();
    await page.goto("/p/default");
    const ratios = await page.locator("header h1, header p").evaluateAll((els) => {
      const lum = (rgb: string) => {
        const [r, g, b] = rgb.match(/\d+(\.\d+)?/g)!.slice(0, 3).map((v) => {
          const c = Number(v) / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const bg = getComputedStyle(document.querySelector("header")!).backgroundColor;
      return els.map((el) => {
        const cs = getComputedStyle(el);
        const [a, b] = [lum(cs.color), lum(bg)].sort((x, y) => y - x);
        return { text: el.textContent, opacity: cs.opacity, ratio: (a + 0.05) / (b + 0.05) };
      });
    });
    expect(ratios).toHaveLength(2);
    for (const r of ratios) {
      expect(r.opacity, r.text ?? "").toBe("1");
      expect(r.ratio, r.text ?? "").toBeGreaterThanOrEqual(4.5);
    }
    await page.context().close();
  });

  test("an unknown project is a 404 page", async ({ request }) => {
    const res = await request.get("/p/no-such-project");
    expect(res.status()).toBe(404);
    expect(await res.text()).toContain("Page not found");
    expect((await request.get("/p/no-such-project/chat")).status()).toBe(404);
  });
});

test.describe("favicon", () => {
  test("answers 200 on visitor and staff pages", async ({ request }) => {
    for (const path of ["/favicon.ico", "/icon.svg"]) {
      const res = await request.get(path);
      expect(res.status(), path).toBe(200);
      expect(res.headers()["content-type"], path).toMatch(/^image\//);
    }
    const landing = await (await request.get("/p/default")).text();
    expect(landing).toMatch(/<link rel="icon" href="\/favicon\.ico"/);
    for (const path of ["/login"]) {
      const page = await (await request.get(path)).text();
      const href = /<link rel="icon" href="([^"]+)"/.exec(page)?.[1];
      expect(href, `${path} links an icon`).toBeTruthy();
      expect((await request.get(href!)).status(), href).toBe(200);
    }
  });
});

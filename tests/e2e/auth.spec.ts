import {
  ADMIN,
  CONSOLE,
  contextFrom,
  expect,
  SEEDED,
  serverLog,
  serverState,
  sessionCookieHeader,
  signInAs,
  submitSignIn,
  formAlert,
  test,
  type Account,
} from "./helpers";

const ROLES: [string, Account, "email" | "username"][] = [
  ["admin", ADMIN, "email"],
  ["manager", SEEDED.manager, "username"],
  ["agent", SEEDED.agent, "email"],
  ["qa", SEEDED.qa, "username"],
];

test.describe("sign-in", () => {
  for (const [name, account, by] of ROLES) {
    test(`${name} signs in by ${by} and lands on their own console`, async ({ page }) => {
      const urls: string[] = [];
      page.on("request", (r) => urls.push(r.url()));
      await page.goto("/login");
      await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
      await signInAs(page, account, by);
      // In the console's header (a chat list may show the same name as a chat's agent).
      await expect(page.getByRole("banner").getByText(account.displayName, { exact: true })).toBeVisible();
      await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
      // Reloading keeps the session.
      await page.reload();
      await expect(page.getByRole("heading", { name: CONSOLE[account.role].title })).toBeVisible();
      // The password only ever travels in a POST body, never in a URL.
      expect(urls.filter((u) => u.includes(encodeURIComponent(account.password)) || u.includes(account.password))).toEqual([]);
    });
  }

  test("a wrong password is refused with a visible alert", async ({ browser }) => {
    const context = await contextFrom(browser, "203.0.113.21");
    const page = await context.newPage();
    await page.goto("/login");
    const res = await submitSignIn(page, ADMIN.email, "not-the-password");
    expect(res.status()).toBe(401);
    await expect(formAlert(page)).toHaveText("Wrong email/username or password.");
    await expect(page).toHaveURL((u) => u.pathname === "/login");
    // Same message for an account that doesn't exist.
    await submitSignIn(page, "nobody@example.test", "whatever");
    await expect(formAlert(page)).toHaveText("Wrong email/username or password.");
    await context.close();
  });

  test("an agent visiting /admin is sent to /agent", async ({ page }) => {
    await signInAs(page, SEEDED.agent);
    await page.goto("/admin");
    await expect(page).toHaveURL((u) => u.pathname === "/agent");
    await expect(page.getByRole("heading", { name: "Agent Console" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Admin Console" })).toHaveCount(0);
  });

  test("anonymous /qa is sent to /login, and back to /qa after signing in", async ({ page }) => {
    await page.goto("/qa");
    await expect(page).toHaveURL((u) => u.pathname === "/login" && u.searchParams.get("next") === "/qa");
    await expect(page.getByLabel("Email or username")).toBeVisible();
    await signInAs(page, SEEDED.qa);
  });

  test("a signed-in user visiting /login goes to their console", async ({ page }) => {
    await signInAs(page, SEEDED.manager, "username");
    await page.goto("/login");
    await expect(page).toHaveURL((u) => u.pathname === "/manager");
  });
});

test.describe("sessions", () => {
  test("a signed-out cookie no longer works", async ({ browser, request }) => {
    const context = await contextFrom(browser);
    const page = await context.newPage();
    await signInAs(page, SEEDED.manager);
    const cookie = await sessionCookieHeader(context);

    const before = await request.get("/api/auth/me", { headers: { cookie } });
    expect(before.status()).toBe(200);
    expect((await before.json()).user).toMatchObject({ role: "manager", displayName: SEEDED.manager.displayName });

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL((u) => u.pathname === "/login");

    const after = await request.get("/api/auth/me", { headers: { cookie } });
    expect(after.status()).toBe(401);
    // Nor does it open a console.
    const consolePage = await request.get("/manager", { headers: { cookie }, maxRedirects: 0 });
    expect(consolePage.status()).toBeGreaterThanOrEqual(300);
    expect(consolePage.status()).toBeLessThan(400);
    expect(consolePage.headers()["location"]).toMatch(/^\/login/);
    await context.close();
  });

  test("force-logout closes the user's open /ws socket with 4001", async ({ browser }) => {
    const a = await contextFrom(browser);
    const pageA = await a.newPage();
    await signInAs(pageA, SEEDED.agent2);
    const hello = await pageA.evaluate(
      () =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const w = window as unknown as { __ws: { close: number | null; frames: unknown[] } };
          w.__ws = { close: null, frames: [] };
          const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
          ws.onmessage = (e) => {
            const f = JSON.parse(String(e.data)) as Record<string, unknown>;
            w.__ws.frames.push(f);
            if (f.type === "hello") resolve(f);
          };
          ws.onclose = (e) => {
            w.__ws.close = e.code;
            reject(new Error(`closed before hello: ${e.code}`));
          };
        }),
    );
    expect(hello).toMatchObject({ type: "hello", role: "agent" });

    // The same user, elsewhere, signs out: every session and socket of theirs ends.
    const b = await contextFrom(browser);
    const pageB = await b.newPage();
    await signInAs(pageB, SEEDED.agent2, "username");
    await pageB.getByRole("button", { name: "Sign out" }).click();
    await expect(pageB).toHaveURL((u) => u.pathname === "/login");

    await expect
      .poll(() => pageA.evaluate(() => (window as unknown as { __ws: { close: number | null } }).__ws.close))
      .toBe(4001);
    // A's cookie is dead too.
    const me = await a.request.get("/api/auth/me");
    expect(me.status()).toBe(401);
    await a.close();
    await b.close();
  });

  test("a /ws upgrade without a session is refused", async ({ page }) => {
    await page.goto("/login");
    const code = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(`ws://${location.host}/ws`);
          ws.onopen = () => resolve(-1);
          ws.onclose = (e) => resolve(e.code);
        }),
    );
    expect(code).toBe(1006);
  });
});

test.describe("security headers", () => {
  test("staff pages are unframable, with a strict nonce CSP and a Permissions-Policy", async ({ request }) => {
    // The staff API answers JSON only: nothing at all may load from it, nothing may frame it.
    const api = (await request.get("/api/auth/me", { maxRedirects: 0 })).headers();
    expect(api["x-frame-options"]).toBe("DENY");
    expect(api["content-security-policy"] ?? "").toContain("default-src 'none'");
    expect(api["content-security-policy"] ?? "").toContain("frame-ancestors 'none'");
    expect(api["permissions-policy"]).toMatch(/camera=\(\)/);
    for (const path of ["/login", "/admin"]) {
      const res = await request.get(path, { maxRedirects: 0 });
      const h = res.headers();
      expect(h["x-frame-options"], path).toBe("DENY");
      const csp = h["content-security-policy"] ?? "";
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).toContain("base-uri 'none'");
      expect(csp, path).toMatch(/script-src [^;]*'nonce-[A-Za-z0-9+/=]{16,}'/);
      expect(h["permissions-policy"], path).toMatch(/camera=\(\)/);
    }
  });

  test("the CSP nonce is fresh per response and stamped on the page's scripts", async ({ request, page }) => {
    const a = await request.get("/login");
    const b = await request.get("/login");
    const nonceOf = (csp: string) => /'nonce-([^']+)'/.exec(csp)?.[1];
    const na = nonceOf(a.headers()["content-security-policy"]);
    const nb = nonceOf(b.headers()["content-security-policy"]);
    expect(na).toBeTruthy();
    expect(na).not.toBe(nb);
    const html = await a.text();
    expect(html).toContain(`nonce="${na}"`);
    // And the browser runs the page under it without a single CSP violation.
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto("/login");
    await signInAs(page, ADMIN);
    expect(violations).toEqual([]);
  });

  test("the visitor page stays framable", async ({ request }) => {
    const res = await request.get("/p/default");
    expect(res.status()).toBe(200);
    const h = res.headers();
    expect(h["x-frame-options"]).toBeUndefined();
    expect(h["content-security-policy"] ?? "").not.toContain("frame-ancestors 'none'");
  });

  test("every response carries nosniff and a Referrer-Policy", async ({ request }) => {
    const login = await (await request.get("/login")).text();
    const asset = /\/_next\/static\/[^"'\s]+\.js/.exec(login)?.[0];
    expect(asset, "a static script on /login").toBeTruthy();
    for (const path of ["/login", "/admin", "/p/default", "/", "/healthz", "/api/auth/me", asset!, "/no-such-page"]) {
      const res = await request.get(path, { maxRedirects: 0 });
      expect(res.headers()["x-content-type-options"], path).toBe("nosniff");
      expect(res.headers()["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    }
  });

  test("an incoming x-middleware-subrequest header is stripped", async ({ request }) => {
    const res = await request.get("/admin", {
      headers: { "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware" },
      maxRedirects: 0,
    });
    expect(res.status()).toBeGreaterThanOrEqual(300);
    expect(res.status()).toBeLessThan(400);
    expect(res.headers()["location"]).toMatch(/^\/login\?next=%2Fadmin/);
    const api = await request.get("/api/auth/me", { headers: { "x-middleware-subrequest": "middleware" } });
    expect(api.status()).toBe(401);
  });
});

test.describe("server", () => {
  test("/healthz reports the database instance the server printed at start", async ({ request }) => {
    const line = serverLog()
      .split("\n")
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return null;
        }
      })
      .find((j) => j?.msg === "OnlineChatCRM listening");
    expect(line, "the start-up log line").toBeTruthy();
    expect(typeof line!.dbInstance).toBe("string");
    expect(line!.db).toBe(serverState().db);
    const res = await request.get("/healthz");
    expect(res.status()).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, db: serverState().db, dbInstance: line!.dbInstance });
  });
});

test.describe("per-account slowdown", () => {
  test("failed sign-ins for one account from several addresses make the next attempt wait, and the form says how long", async ({ browser }) => {
    const victim = SEEDED.qa;
    // Six wrong guesses, each from its own address: from the 4th on each makes the next wait (1 s, 2 s, then 4 s),
    // so a guess sent too soon is told to wait (429, not counted) and goes again. Six leave a 4 s wait: room
    // enough for the owner's attempt below to land inside it on a loaded machine.
    for (let i = 1; i <= 6; i++) {
      const context = await contextFrom(browser, `198.51.100.${140 + i}`);
      const page = await context.newPage();
      await page.goto("/login");
      await expect.poll(async () => (await submitSignIn(page, victim.email, `guess-${i}`)).status(), { message: `guess ${i}`, intervals: [500] }).toBe(401);
      await context.close();
    }
    // The owner, from yet another address, right away: asked to wait (never locked out), not struck.
    const context = await contextFrom(browser, "198.51.100.150");
    const page = await context.newPage();
    await page.goto("/login");
    const res = await submitSignIn(page, victim.email, victim.password);
    expect(res.status()).toBe(429);
    expect(Number(res.headers()["retry-after"])).toBeGreaterThanOrEqual(1);
    await expect(formAlert(page)).toContainText(/Too many failed attempts for this account\. Try again in \d+ seconds?\./);
    // Once the wait is over, the right password signs in.
    await page.waitForTimeout(Number(res.headers()["retry-after"]) * 1000 + 200);
    await expect.poll(async () => (await submitSignIn(page, victim.email, victim.password)).status()).toBe(200);
    await context.close();
  });
});

test.describe("automatic IP block", () => {
  test("5 failed sign-ins from one IP block it: then everything from it gets a bare 403", async ({ browser, request }) => {
    const ip = "203.0.113.77";
    const context = await contextFrom(browser, ip);
    const page = await context.newPage();
    await page.goto("/login");
    const login = await page.content();
    const asset = /\/_next\/static\/[^"'\s]+\.js/.exec(login)?.[0];
    expect(asset).toBeTruthy();

    // A password spray: five accounts, so only the address's rule is in play (one account's own slowdown: below).
    for (let i = 1; i <= 4; i++) {
      const res = await submitSignIn(page, `spray-${i}@example.test`, `wrong-${i}`);
      expect(res.status(), `attempt ${i}`).toBe(401);
      await expect(formAlert(page)).toHaveText("Wrong email/username or password.");
    }
    const fifth = await submitSignIn(page, "spray-5@example.test", "wrong-5");
    expect(fifth.status()).toBe(403);
    await expect(formAlert(page)).toContainText("Too many attempts");

    // From now on the address gets a bare 403 before routing: even the right password, a static file and /healthz.
    const attempts = [
      await context.request.post("/api/auth/login", { data: { login: SEEDED.agent.email, password: SEEDED.agent.password } }),
      await context.request.get("/login"),
      await context.request.get(asset!),
      await context.request.get("/healthz"),
    ];
    for (const res of attempts) {
      expect(res.status(), res.url()).toBe(403);
      expect((await res.body()).length, res.url()).toBe(0);
      expect(res.headers()["content-type"], res.url()).toBeUndefined();
      expect(res.headers()["x-frame-options"], res.url()).toBeUndefined();
    }

    // Everybody else is unaffected.
    expect((await request.get("/healthz")).status()).toBe(200);
    const other = await contextFrom(browser, "203.0.113.78");
    expect((await other.request.get("/healthz")).status()).toBe(200);
    const otherPage = await other.newPage();
    await signInAs(otherPage, SEEDED.agent);
    await other.close();
    await context.close();
  });
});

import { parseSetCookie } from "cookie";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as loginRoute from "../../app/api/auth/login/route";
import * as logoutRoute from "../../app/api/auth/logout/route";
import * as meRoute from "../../app/api/auth/me/route";
import * as startRoute from "../../app/api/visitor/conversations/route";
import * as sessionRoute from "../../app/api/visitor/session/route";
import { SESSION_COOKIE } from "../../lib/auth/session";
import { readSecurityPolicy } from "../../lib/auth/security-policy";
import { VISITOR_COOKIE_MAX_AGE, visitorCookieName } from "../../lib/chat/visitor-session";
import { CONTACT, createWorld, openSuite, request, routeContext, type Suite, type World } from "./helpers";

/**
 * The cookies as real sign-in, sign-out and chat-start responses set them:
 * never readable by page scripts, never sent on cross-site requests, scoped
 * to the whole host (and only it), Secure once the public URL is https.
 */

let s: Suite;
let w: World;

beforeAll(async () => {
  s = await openSuite();
  w = await createWorld(s.db);
});
afterAll(async () => {
  await s?.close();
});

/** The one Set-Cookie header of a response, parsed (and its raw text, for flags parsers drop). */
function setCookieOf(res: Response, name: string) {
  const all = res.headers.getSetCookie().filter((c) => c.startsWith(`${name}=`));
  expect(all, `one Set-Cookie for ${name}`).toHaveLength(1);
  return { raw: all[0], parsed: parseSetCookie(all[0]) };
}

async function signIn(headers: Record<string, string>) {
  const res = await loginRoute.POST(await request("POST", "/api/auth/login", { headers, body: { json: { login: w.staff.admin.email, password: w.password } } }), routeContext());
  expect(res.status).toBe(200);
  return res;
}

/** Flags every one of our cookies carries. */
function expectStandingFlags(c: ReturnType<typeof setCookieOf>, secure: boolean) {
  expect(c.parsed.httpOnly).toBe(true);
  // Lax, not None: other sites' requests don't carry it.
  expect(c.parsed.sameSite).toBe("lax");
  expect(c.parsed.path).toBe("/");
  // Host-only: no Domain attribute, so sibling subdomains never receive it.
  expect(c.parsed.domain).toBeUndefined();
  expect(c.raw).not.toMatch(/;\s*Domain=/i);
  expect(!!c.parsed.secure).toBe(secure);
}

describe.each<{ label: string; env: Record<string, string>; secure: boolean }>([
  { label: "APP_URL unset (plain http)", env: {}, secure: false },
  { label: "APP_URL http://", env: { APP_URL: "http://chat.example.test" }, secure: false },
  { label: "APP_URL https://", env: { APP_URL: "https://chat.example.test" }, secure: true },
])("with $label", ({ env, secure }) => {
  beforeAll(() => s.setEnv(env));
  // APP_URL decides our origin: requests come from it.
  const origin = env.APP_URL ?? "http://chat.example.test";
  const fromUs = { origin };

  it(`the session cookie from a sign-in is HttpOnly, SameSite=Lax, Path=/, host-only, has a Max-Age${secure ? " and is Secure" : ", not Secure"}`, async () => {
    const res = await loginRoute.POST(
      await request("POST", "/api/auth/login", { headers: fromUs, body: { json: { login: w.staff.admin.email, password: w.password } } }),
      routeContext(),
    );
    expect(res.status).toBe(200);
    const c = setCookieOf(res, SESSION_COOKIE);
    expectStandingFlags(c, secure);
    // It lives exactly as long as the session may (the absolute lifetime in force), no longer.
    expect(c.parsed.maxAge).toBe((await readSecurityPolicy(s.db)).sessions.absoluteHours * 3600);
    expect(c.parsed.value?.length).toBeGreaterThan(20);
    expect(res.headers.get("cache-control")).toContain("no-store");
  });

  it("the visitor cookie from a chat start and a session resume carries the same flags", async () => {
    const started = await startRoute.POST(
      await request("POST", "/api/visitor/conversations", { headers: fromUs, body: { json: { slug: w.projectA.slug, ...CONTACT } } }),
      routeContext(),
    );
    expect(started.status).toBeLessThan(300);
    const c = setCookieOf(started, visitorCookieName(w.projectA.id));
    expectStandingFlags(c, secure);
    expect(c.parsed.maxAge).toBe(VISITOR_COOKIE_MAX_AGE);

    const resumed = await sessionRoute.POST(
      await request("POST", "/api/visitor/session", { headers: fromUs, body: { json: { slug: w.projectA.slug, token: c.parsed.value } } }),
      routeContext(),
    );
    expect(resumed.status).toBe(200);
    expectStandingFlags(setCookieOf(resumed, visitorCookieName(w.projectA.id)), secure);
  });

  it("sign-out clears the cookie with the same scope, and the old value stops working", async () => {
    const value = parseSetCookie(setCookieOf(await signIn(fromUs), SESSION_COOKIE).raw).value ?? "";
    const cookie = `${SESSION_COOKIE}=${encodeURIComponent(value)}`;
    expect((await meRoute.GET(await request("GET", "/api/auth/me", { headers: { cookie } }), routeContext())).status).toBe(200);

    const out = await logoutRoute.POST(await request("POST", "/api/auth/logout", { headers: { ...fromUs, cookie } }), routeContext());
    expect(out.status).toBeLessThan(300);
    const cleared = setCookieOf(out, SESSION_COOKIE);
    // Same name, path and flags, so the browser replaces the cookie it holds; empty and expired.
    expectStandingFlags(cleared, secure);
    expect(cleared.parsed.value).toBe("");
    expect(cleared.parsed.maxAge === 0 || (cleared.parsed.expires?.getTime() ?? Infinity) <= Date.now()).toBe(true);

    // A copy of the cookie kept by an attacker is dead too.
    expect((await meRoute.GET(await request("GET", "/api/auth/me", { headers: { cookie } }), routeContext())).status).toBe(401);
  });

  it("the console's Sign out form is sent on to /login with the cookie cleared; a fetch gets a bare 204", async () => {
    const value = parseSetCookie(setCookieOf(await signIn(fromUs), SESSION_COOKIE).raw).value ?? "";
    const cookie = `${SESSION_COOKIE}=${encodeURIComponent(value)}`;
    const form = await logoutRoute.POST(
      await request("POST", "/api/auth/logout", {
        headers: { ...fromUs, cookie, "content-type": "application/x-www-form-urlencoded" },
        body: { raw: "" },
      }),
      routeContext(),
    );
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toBe("/login");
    expect(setCookieOf(form, SESSION_COOKIE).parsed.value).toBe("");
    expect((await meRoute.GET(await request("GET", "/api/auth/me", { headers: { cookie } }), routeContext())).status).toBe(401);

    const again = await logoutRoute.POST(await request("POST", "/api/auth/logout", { headers: fromUs }), routeContext());
    expect(again.status).toBe(204);
  });
});

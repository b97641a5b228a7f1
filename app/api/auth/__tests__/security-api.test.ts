import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { findStaffBySession, readCookie, sealSession, SESSION_COOKIE, unsealSession } from "@/lib/auth/session";
import { publicSessionId } from "@/lib/auth/staff-sessions";
import { totpCodeAt } from "@/lib/auth/totp";
import { parseEnv } from "@/lib/env";
import { setSingleton } from "@/lib/singleton";
import { createStaff, FACTORY_PASSWORD } from "@/tests/factories";
import * as enrollRoute from "../login/enroll/route";
import * as loginRoute from "../login/route";
import * as secondFactorRoute from "../login/second-factor/route";
import * as policyRoute from "../security-policy/route";
import * as sessionRoute from "../sessions/[id]/route";
import * as othersRoute from "../sessions/others/route";
import * as sessionsRoute from "../sessions/route";
import * as disableRoute from "../two-factor/disable/route";
import * as enrolmentRoute from "../two-factor/enrolment/route";
import * as recoveryRoute from "../two-factor/recovery-codes/route";
import * as statusRoute from "../two-factor/route";

/** The sign-in, device and two-factor routes over real requests and a real database. */
const BASE = "http://chat.example.test";
let h: DbHandle;
let ipSeq = 0;

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-security-api"), SESSION_SECRET: "s".repeat(40) } as unknown as NodeJS.ProcessEnv));
  setSingleton("rate-limiters", undefined);
  h = await createTestDb();
  setSingleton("db", Promise.resolve(h));
});
afterAll(async () => {
  setSingleton("db", undefined);
  setSingleton("env", undefined);
  await h?.close();
});

const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

function req(method: string, url: string, opts: { cookie?: string | null; body?: unknown; headers?: Record<string, string> } = {}) {
  const { cookie, body } = opts;
  return new Request(`${BASE}${url}`, {
    method,
    headers: {
      "user-agent": UA,
      // Each request its own client address: strikes of one test never reach another.
      "x-occ-client-ip": `203.0.113.${(++ipSeq % 250) + 1}`,
      ...(cookie ? { cookie } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...opts.headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
const params = <P>(p: P) => ({ params: Promise.resolve(p) });
const none = params({});

async function device(user: { id: number; sessionVersion: number }) {
  const value = await sealSession({ userId: user.id, sessionVersion: user.sessionVersion }, { db: h.db, userAgent: UA });
  return { cookie: `${SESSION_COOKIE}=${value}`, sid: (await unsealSession(value))!.sid, value };
}

const setCookieValue = (res: Response) => readCookie(res.headers.get("set-cookie")?.split(";")[0], SESSION_COOKIE);

describe("POST /api/auth/login (+ second-factor, enroll)", () => {
  it("without two-factor: a session cookie and where to go, never in the body, not cacheable", async () => {
    const u = await createStaff(h.db, { role: "qa" });
    const res = await loginRoute.POST(req("POST", "/api/auth/login", { body: { login: u.email, password: FACTORY_PASSWORD, next: "/qa/reports" } }), none);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json();
    expect(body).toMatchObject({ status: "signed_in", redirectTo: "/qa/reports", user: { id: u.id, role: "qa" } });
    expect(body.cookie).toBeUndefined();
    const value = setCookieValue(res);
    expect(res.headers.get("set-cookie")).toMatch(/Max-Age=604800/);
    expect((await findStaffBySession(h.db, value))?.id).toBe(u.id);
  });

  it("with two-factor: no cookie until the code; the code step sets it", async () => {
    const u = await createStaff(h.db, { role: "manager" });
    const { cookie } = await device(u);
    const begun = await (await enrolmentRoute.POST(req("POST", "/api/auth/two-factor/enrolment", { cookie }), none)).json();
    const now = new Date();
    const on = await enrolmentRoute.PUT(req("PUT", "/api/auth/two-factor/enrolment", { cookie, body: { token: begun.token, code: totpCodeAt(begun.secret, now) } }), none);
    expect(on.status).toBe(200);
    expect((await on.json()).recoveryCodes).toHaveLength(10);

    const step1 = await loginRoute.POST(req("POST", "/api/auth/login", { body: { login: u.username, password: FACTORY_PASSWORD } }), none);
    expect(step1.status).toBe(200);
    expect(step1.headers.get("set-cookie")).toBeNull();
    const { status, token } = await step1.json();
    expect(status).toBe("second_factor");

    const wrong = await secondFactorRoute.POST(req("POST", "/api/auth/login/second-factor", { body: { token, code: "12" } }), none);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const bad = await secondFactorRoute.POST(req("POST", "/api/auth/login/second-factor", { body: { token } }), none);
    expect(bad.status).toBe(400);

    const step2 = await secondFactorRoute.POST(
      req("POST", "/api/auth/login/second-factor", { body: { token, code: totpCodeAt(begun.secret, new Date(now.getTime() + 30_000)) } }),
      none,
    );
    expect(step2.status).toBe(200);
    expect((await step2.json()).redirectTo).toBe("/manager");
    expect((await findStaffBySession(h.db, setCookieValue(step2)))?.id).toBe(u.id);
  });

  it("refuses cross-site posts on every step", async () => {
    for (const [route, url] of [
      [loginRoute, "/api/auth/login"],
      [secondFactorRoute, "/api/auth/login/second-factor"],
      [enrollRoute, "/api/auth/login/enroll"],
    ] as const) {
      const res = await route.POST(req("POST", url, { body: { token: "x", code: "123456" }, headers: { "sec-fetch-site": "cross-site" } }), none);
      expect(res.status).toBe(403);
    }
  });
});

describe("/api/auth/sessions", () => {
  it("lists my devices, signs one out (204), and refuses the anonymous and cross-site", async () => {
    const u = await createStaff(h.db);
    const here = await device(u);
    const there = await device(u);
    const list = await sessionsRoute.GET(req("GET", "/api/auth/sessions", { cookie: here.cookie }), none);
    expect(list.status).toBe(200);
    const { sessions } = await list.json();
    expect(sessions).toHaveLength(2);
    expect(sessions.find((s: { current: boolean }) => s.current).id).toBe(publicSessionId(here.sid));
    expect(sessions[0].device).toBe("Chrome on Linux");

    expect((await sessionsRoute.GET(req("GET", "/api/auth/sessions"), none)).status).toBe(401);
    const id = publicSessionId(there.sid);
    const crossSite = await sessionRoute.DELETE(req("DELETE", `/api/auth/sessions/${id}`, { cookie: here.cookie, headers: { origin: "https://evil.test" } }), params({ id }));
    expect(crossSite.status).toBe(403);
    expect((await sessionRoute.DELETE(req("DELETE", "/api/auth/sessions/not-an-id", { cookie: here.cookie }), params({ id: "not-an-id" }))).status).toBe(400);

    const gone = await sessionRoute.DELETE(req("DELETE", `/api/auth/sessions/${id}`, { cookie: here.cookie }), params({ id }));
    expect(gone.status).toBe(204);
    expect(gone.headers.get("set-cookie")).toBeNull();
    expect(await findStaffBySession(h.db, there.value)).toBeNull();
    expect((await sessionRoute.DELETE(req("DELETE", `/api/auth/sessions/${id}`, { cookie: here.cookie }), params({ id }))).status).toBe(404);
    // The signed-out device itself is now anonymous.
    expect((await sessionsRoute.GET(req("GET", "/api/auth/sessions", { cookie: there.cookie }), none)).status).toBe(401);
  });

  it("signing out this very device clears its cookie; 'others' keeps it", async () => {
    const u = await createStaff(h.db);
    const here = await device(u);
    await device(u);
    const others = await othersRoute.DELETE(req("DELETE", "/api/auth/sessions/others", { cookie: here.cookie }), none);
    expect(await others.json()).toEqual({ revoked: 1 });
    const id = publicSessionId(here.sid);
    const self = await sessionRoute.DELETE(req("DELETE", `/api/auth/sessions/${id}`, { cookie: here.cookie }), params({ id }));
    expect(self.status).toBe(204);
    expect(self.headers.get("set-cookie")).toMatch(/Max-Age=0/);
  });
});

describe("/api/auth/two-factor and /api/auth/security-policy", () => {
  it("my two-factor status, disable and new codes need a session and proof", async () => {
    const u = await createStaff(h.db);
    const { cookie } = await device(u);
    expect(await (await statusRoute.GET(req("GET", "/api/auth/two-factor", { cookie }), none)).json()).toMatchObject({ enabled: false, required: false });
    expect((await statusRoute.GET(req("GET", "/api/auth/two-factor"), none)).status).toBe(401);
    expect((await disableRoute.POST(req("POST", "/api/auth/two-factor/disable", { cookie, body: { password: FACTORY_PASSWORD } }), none)).status).toBe(409);
    expect((await recoveryRoute.POST(req("POST", "/api/auth/two-factor/recovery-codes", { cookie, body: { nope: 1 } }), none)).status).toBe(400);
    const notJson = new Request(`${BASE}/api/auth/two-factor/disable`, { method: "POST", headers: { cookie, "content-type": "text/plain" }, body: "password=x" });
    expect((await disableRoute.POST(notJson, none)).status).toBe(415);
  });

  it("the policy is for security.manage holders only, and validated", async () => {
    const admin = await device(await createStaff(h.db, { role: "admin" }));
    const manager = await device(await createStaff(h.db, { role: "manager" }));
    expect((await policyRoute.GET(req("GET", "/api/auth/security-policy", { cookie: manager.cookie }), none)).status).toBe(403);
    expect((await policyRoute.PATCH(req("PATCH", "/api/auth/security-policy", { cookie: manager.cookie, body: { twoFactor: { requiredRoles: [] } } }), none)).status).toBe(403);
    const bad = await policyRoute.PATCH(
      req("PATCH", "/api/auth/security-policy", { cookie: admin.cookie, body: { sessions: { idleMinutes: 2000, absoluteHours: 24 } } }),
      none,
    );
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.fields).toHaveProperty("sessions.idleMinutes");
    const ok = await policyRoute.PATCH(
      req("PATCH", "/api/auth/security-policy", { cookie: admin.cookie, body: { sessions: { idleMinutes: 60, absoluteHours: 24 }, twoFactor: { requiredRoles: ["admin"] } } }),
      none,
    );
    expect(await ok.json()).toEqual({ sessions: { idleMinutes: 60, absoluteHours: 24 }, twoFactor: { requiredRoles: ["admin"] } });
    expect(await (await policyRoute.GET(req("GET", "/api/auth/security-policy", { cookie: admin.cookie }), none)).json()).toMatchObject({
      twoFactor: { requiredRoles: ["admin"] },
    });
    // Back to the defaults for the rest of this file.
    await policyRoute.PATCH(
      req("PATCH", "/api/auth/security-policy", { cookie: admin.cookie, body: { sessions: { idleMinutes: 720, absoluteHours: 168 }, twoFactor: { requiredRoles: [] } } }),
      none,
    );
  });
});

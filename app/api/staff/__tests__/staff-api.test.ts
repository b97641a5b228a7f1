import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { users } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { findStaffBySession, sealSession, SESSION_COOKIE } from "@/lib/auth/session";
import { parseEnv } from "@/lib/env";
import { CLIENT_IP_HEADER } from "@/lib/http";
import { setSingleton } from "@/lib/singleton";
import { createStaff, FACTORY_PASSWORD } from "@/tests/factories";
import * as memberRoute from "../[id]/route";
import * as resetRoute from "../[id]/password/route";
import * as signOutRoute from "../[id]/sign-out/route";
import * as myPasswordRoute from "../me/password/route";
import * as staffRoute from "../route";

/** The staff API through its route handlers: sessions, permissions, CSRF, status codes and bodies. */
const BASE = "http://chat.example.test";
let h: DbHandle;

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-staff-api"), SESSION_SECRET: "s".repeat(40), RATE_LIMIT_FACTOR: "100" } as unknown as NodeJS.ProcessEnv));
  setSingleton("rate-limiters", undefined);
  h = await createTestDb();
  setSingleton("db", Promise.resolve(h));
});
afterAll(async () => {
  setSingleton("db", undefined);
  await h?.close();
});

const STRONG = "copper lantern meadow 58";
let n = 0;
const uniq = () => `${Date.now().toString(36)}${++n}`;

async function cookieFor(user: { id: number; sessionVersion: number }) {
  return `${SESSION_COOKIE}=${await sealSession({ userId: user.id, sessionVersion: user.sessionVersion }, { db: h.db })}`;
}

function req(method: string, url: string, cookie: string | null, body?: unknown, headers: Record<string, string> = {}) {
  return new Request(`${BASE}${url}`, {
    method,
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(method !== "GET" ? { "sec-fetch-site": "same-origin" } : {}),
      // What server.ts resolved the client address to.
      [CLIENT_IP_HEADER]: "198.51.100.77",
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
const params = <P>(p: P) => ({ params: Promise.resolve(p) });
const none = params({});
const agentBody = () => {
  const u = uniq();
  return { role: "agent", displayName: `Api ${u}`, email: `api.${u}@example.test`, username: `api_${u}`, password: STRONG, activeChatLimit: 2 };
};

describe("/api/staff", () => {
  it("creates (201), lists, edits with a version (409 when stale), resets a password and forces a logout", async () => {
    const admin = await cookieFor(await createStaff(h.db, { role: "admin" }));
    const body = agentBody();
    const created = await staffRoute.POST(req("POST", "/api/staff", admin, body), none);
    expect(created.status).toBe(201);
    const { userId } = await created.json();

    const list = await staffRoute.GET(req("GET", `/api/staff?kind=agents&q=${encodeURIComponent(body.username)}`, admin), none);
    expect(list.status).toBe(200);
    const page = await list.json();
    expect(page).toMatchObject({ total: 1, from: 1, prev: null, next: null, items: [{ id: userId, displayName: body.displayName, activeChatLimit: 2, presence: "offline" }] });
    const version = page.items[0].version;

    const edit = await memberRoute.PATCH(req("PATCH", `/api/staff/${userId}`, admin, { displayName: "Edited", version }), params({ id: String(userId) }));
    expect(edit.status).toBe(200);
    const stale = await memberRoute.PATCH(req("PATCH", `/api/staff/${userId}`, admin, { displayName: "Again", version }), params({ id: String(userId) }));
    expect(stale.status).toBe(409);
    expect((await stale.json()).error.fields.version).toMatch(/Someone else changed this/);

    const [before] = await h.db.select().from(users).where(eq(users.id, userId));
    const reset = await resetRoute.POST(req("POST", `/api/staff/${userId}/password`, admin, { password: "harbor velvet quartz 31" }), params({ id: String(userId) }));
    expect(reset.status).toBe(200);
    const forced = await signOutRoute.POST(req("POST", `/api/staff/${userId}/sign-out`, admin), params({ id: String(userId) }));
    expect(forced.status).toBe(200);
    const [after] = await h.db.select().from(users).where(eq(users.id, userId));
    expect(after.sessionVersion).toBe(before.sessionVersion + 2);
  });

  it("answers bad input with 400 + field errors and duplicates with 409 + the field, never 500", async () => {
    const admin = await cookieFor(await createStaff(h.db, { role: "admin" }));
    const bad = await staffRoute.POST(req("POST", "/api/staff", admin, { ...agentBody(), email: "nope", activeChatLimit: 500 }), none);
    expect(bad.status).toBe(400);
    expect(Object.keys((await bad.json()).error.fields).sort()).toEqual(["activeChatLimit", "email"]);
    const first = agentBody();
    expect((await staffRoute.POST(req("POST", "/api/staff", admin, first), none)).status).toBe(201);
    const dup = await staffRoute.POST(req("POST", "/api/staff", admin, { ...agentBody(), username: first.username }), none);
    expect(dup.status).toBe(409);
    expect((await dup.json()).error.fields).toHaveProperty("username");
    for (const [url, id] of [["/api/staff/abc", "abc"], ["/api/staff/99999999999", "99999999999"]]) {
      expect((await memberRoute.PATCH(req("PATCH", url, admin, { displayName: "x" }), params({ id }))).status, url).toBe(400);
    }
    expect((await memberRoute.PATCH(req("PATCH", "/api/staff/2000000000", admin, { displayName: "x" }), params({ id: "2000000000" }))).status).toBe(404);
    expect((await staffRoute.GET(req("GET", "/api/staff?kind=agents&limit=7", admin), none)).status).toBe(400);
    expect((await staffRoute.GET(req("GET", "/api/staff?kind=agents&after=%%%", admin), none)).status).toBe(400);
  });

  it("401 without a session, 403 for agents and QA, 403 for a manager creating or editing an admin, 403 cross-site", async () => {
    expect((await staffRoute.GET(req("GET", "/api/staff?kind=agents", null), none)).status).toBe(401);
    for (const role of ["agent", "qa"] as const) {
      const c = await cookieFor(await createStaff(h.db, { role }));
      expect((await staffRoute.GET(req("GET", "/api/staff?kind=agents", c), none)).status, role).toBe(403);
      expect((await staffRoute.POST(req("POST", "/api/staff", c, agentBody()), none)).status, role).toBe(403);
    }
    const manager = await cookieFor(await createStaff(h.db, { role: "manager" }));
    expect((await staffRoute.POST(req("POST", "/api/staff", manager, { ...agentBody(), role: "admin" }), none)).status).toBe(403);
    const admin = await createStaff(h.db, { role: "admin" });
    expect((await memberRoute.PATCH(req("PATCH", `/api/staff/${admin.id}`, manager, { displayName: "x" }), params({ id: String(admin.id) }))).status).toBe(403);
    expect((await resetRoute.POST(req("POST", `/api/staff/${admin.id}/password`, manager, { password: STRONG }), params({ id: String(admin.id) }))).status).toBe(403);
    expect((await signOutRoute.POST(req("POST", `/api/staff/${admin.id}/sign-out`, manager), params({ id: String(admin.id) }))).status).toBe(403);
    // A manager may add an agent.
    expect((await staffRoute.POST(req("POST", "/api/staff", manager, agentBody()), none)).status).toBe(201);

    const adminCookie = await cookieFor(admin);
    const evil = req("POST", "/api/staff", adminCookie, agentBody(), { origin: "https://evil.test", "sec-fetch-site": "cross-site" });
    expect((await staffRoute.POST(evil, none)).status).toBe(403);
  });
});

describe("POST /api/staff/me/password", () => {
  it("changes my password and re-issues this device's cookie; the old cookie stops working", async () => {
    const me = await createStaff(h.db, { role: "manager" });
    const old = await cookieFor(me);
    const res = await myPasswordRoute.POST(req("POST", "/api/staff/me/password", old, { currentPassword: FACTORY_PASSWORD, newPassword: STRONG }), none);
    expect(res.status).toBe(200);
    const set = res.headers.get("set-cookie") ?? "";
    expect(set).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(set).toMatch(/HttpOnly/i);
    const fresh = decodeURIComponent(set.split(";")[0].slice(SESSION_COOKIE.length + 1));
    expect((await findStaffBySession(h.db, fresh))?.id).toBe(me.id);
    expect(await findStaffBySession(h.db, decodeURIComponent(old.slice(SESSION_COOKIE.length + 1)))).toBeNull();
  });

  it("a wrong current password is a 400 on that field", async () => {
    const me = await createStaff(h.db, { role: "qa" });
    const res = await myPasswordRoute.POST(req("POST", "/api/staff/me/password", await cookieFor(me), { currentPassword: "nope nope", newPassword: STRONG }), none);
    expect(res.status).toBe(400);
    expect((await res.json()).error.fields).toEqual({ currentPassword: "That isn't your current password." });
  });
});

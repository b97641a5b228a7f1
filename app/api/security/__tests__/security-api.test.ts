import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { sealSession, SESSION_COOKIE } from "@/lib/auth/session";
import { parseEnv } from "@/lib/env";
import { CLIENT_IP_HEADER } from "@/lib/http";
import { refreshIpBlocks } from "@/lib/security/ip-blocks";
import { setSingleton } from "@/lib/singleton";
import { createStaff } from "@/tests/factories";
import * as allowListRoute from "../allow-list/route";
import * as auditRoute from "../audit-log/route";
import * as blockRoute from "../blocks/[id]/route";
import * as blocksRoute from "../blocks/route";
import * as settingsRoute from "../settings/route";
import * as strikesRoute from "../strikes/route";

/** The Security page's API through its route handlers: who may call what, and clear 4xx answers to bad input. */
const BASE = "http://chat.example.test";
let h: DbHandle;
const cookies: Record<"admin" | "manager" | "agent" | "qa", string> = { admin: "", manager: "", agent: "", qa: "" };
const names: Record<string, string> = {};

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-security-api"), SESSION_SECRET: "s".repeat(40), RATE_LIMIT_FACTOR: "100" } as unknown as NodeJS.ProcessEnv));
  setSingleton("rate-limiters", undefined);
  h = await createTestDb();
  setSingleton("db", Promise.resolve(h));
  for (const role of ["admin", "manager", "agent", "qa"] as const) {
    const u = await createStaff(h.db, { role });
    names[role] = u.displayName;
    cookies[role] = `${SESSION_COOKIE}=${await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db })}`;
  }
});
afterAll(async () => {
  await refreshIpBlocks(h.db);
  setSingleton("db", undefined);
  setSingleton("env", undefined);
  await h?.close();
});

function req(method: string, url: string, cookie: string | null, body?: unknown) {
  return new Request(`${BASE}${url}`, {
    method,
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(method !== "GET" ? { "sec-fetch-site": "same-origin" } : {}),
      [CLIENT_IP_HEADER]: "198.51.100.77",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
const params = <P>(p: P) => ({ params: Promise.resolve(p) });
const none = params({});

describe("/api/security/settings", () => {
  it("shows a manager the thresholds read-only; only an admin changes them", async () => {
    const asManager = await settingsRoute.GET(req("GET", "/api/security/settings", cookies.manager), none);
    expect(asManager.status).toBe(200);
    const body = await asManager.json();
    expect(body.rights).toEqual({ editSettings: false, blockClient: true, blockRange: false });
    expect(body.strikeRules.login).toMatchObject({ limit: 5, windowMinutes: 10, blockMinutes: 30 });

    expect((await settingsRoute.PATCH(req("PATCH", "/api/security/settings", cookies.manager, { login: { limit: 6 } }), none)).status).toBe(403);
    expect((await settingsRoute.GET(req("GET", "/api/security/settings", cookies.agent), none)).status).toBe(403);
    expect((await settingsRoute.GET(req("GET", "/api/security/settings", null), none)).status).toBe(401);

    const bad = await settingsRoute.PATCH(req("PATCH", "/api/security/settings", cookies.admin, { login: { limit: 0, windowMinutes: 2.5 }, upload: { blockMinutes: "x" } }), none);
    expect(bad.status).toBe(400);
    const fields = (await bad.json()).error.fields;
    expect(Object.keys(fields).sort()).toEqual(["login.limit", "login.windowMinutes", "upload.blockMinutes"]);
    expect(fields["login.limit"]).toBe("The limit must be at least 1.");

    const ok = await settingsRoute.PATCH(req("PATCH", "/api/security/settings", cookies.admin, { login: { limit: 6 } }), none);
    expect(ok.status).toBe(200);
    expect((await ok.json()).strikeRules.login.limit).toBe(6);
    await settingsRoute.PATCH(req("PATCH", "/api/security/settings", cookies.admin, { login: { limit: 5 } }), none);
  });

  it("answers a malformed body with 400 and a form post with 415", async () => {
    const broken = new Request(`${BASE}/api/security/settings`, {
      method: "PATCH",
      headers: { cookie: cookies.admin, "content-type": "application/json", "sec-fetch-site": "same-origin" },
      body: "{",
    });
    expect((await settingsRoute.PATCH(broken, none)).status).toBe(400);
    const form = new Request(`${BASE}/api/security/settings`, {
      method: "PATCH",
      headers: { cookie: cookies.admin, "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
      body: "login=1",
    });
    expect((await settingsRoute.PATCH(form, none)).status).toBe(415);
  });
});

describe("/api/security/allow-list", () => {
  it("refuses a manager, and names the line that is wrong", async () => {
    expect((await allowListRoute.PUT(req("PUT", "/api/security/allow-list", cookies.manager, { entries: [] }), none)).status).toBe(403);
    const bad = await allowListRoute.PUT(
      req("PUT", "/api/security/allow-list", cookies.admin, { entries: [{ address: "203.0.113.5" }, { address: "10.0.0.0/4" }, { address: "not-an-ip" }] }),
      none,
    );
    expect(bad.status).toBe(400);
    expect(Object.keys((await bad.json()).error.fields)).toEqual(["entries.1.address", "entries.2.address"]);
    const ok = await allowListRoute.PUT(req("PUT", "/api/security/allow-list", cookies.admin, { entries: [{ address: "203.0.113.5", note: "uptime" }] }), none);
    expect(ok.status).toBe(200);
    await allowListRoute.PUT(req("PUT", "/api/security/allow-list", cookies.admin, { entries: [] }), none);
  });
});

describe("/api/security/blocks", () => {
  it("lets a manager block one address and lift it, audited with their name; a range is the admin's", async () => {
    const made = await blocksRoute.POST(req("POST", "/api/security/blocks", cookies.manager, { address: "203.0.113.60", reason: "abusive" }), none);
    expect(made.status).toBe(201);
    const { id } = await made.json();
    const again = await blocksRoute.POST(req("POST", "/api/security/blocks", cookies.manager, { address: "203.0.113.60", reason: "twice" }), none);
    expect([again.status, (await again.json()).created]).toEqual([200, false]);
    expect((await blocksRoute.POST(req("POST", "/api/security/blocks", cookies.manager, { address: "198.51.100.0/24", reason: "botnet" }), none)).status).toBe(403);
    expect((await blocksRoute.POST(req("POST", "/api/security/blocks", cookies.agent, { address: "203.0.113.61", reason: "x" }), none)).status).toBe(403);
    expect((await blocksRoute.POST(req("POST", "/api/security/blocks", cookies.qa, { address: "203.0.113.61", reason: "x" }), none)).status).toBe(403);

    const list = await blocksRoute.GET(req("GET", "/api/security/blocks", cookies.manager), none);
    const page = await list.json();
    expect(page.items.map((r: { address: string; operator: { name: string } }) => [r.address, r.operator.name])).toEqual([["203.0.113.60", names.manager]]);

    expect((await blockRoute.DELETE(req("DELETE", `/api/security/blocks/${id}`, cookies.qa), params({ id: String(id) }))).status).toBe(403);
    expect((await blockRoute.DELETE(req("DELETE", `/api/security/blocks/${id}`, cookies.manager), params({ id: String(id) }))).status).toBe(200);
    expect((await blockRoute.DELETE(req("DELETE", `/api/security/blocks/${id}`, cookies.manager), params({ id: String(id) }))).status).toBe(404);

    const audit = await (await auditRoute.GET(req("GET", "/api/security/audit-log?category=blocks", cookies.manager), none)).json();
    expect(audit.items.map((e: { action: string; actor: { name: string }; target: { label: string } }) => [e.action, e.actor.name, e.target.label])).toEqual([
      ["ip.unblock", names.manager, "203.0.113.60"],
      ["ip.block", names.manager, "203.0.113.60"],
    ]);
  });

  it("answers bad input with 400 and the field, unknown ids with 404", async () => {
    const cases: [unknown, string][] = [
      [{ address: "", reason: "x" }, "address"],
      [{ address: "999.1.1.1", reason: "x" }, "address"],
      [{ address: "203.0.113.62", reason: "" }, "reason"],
      [{ address: "203.0.113.62", reason: "x", expiresAt: "tomorrow" }, "expiresAt"],
      [{ address: "203.0.113.62", reason: "x", expiresAt: "2000-01-01T00:00:00Z" }, "expiresAt"],
    ];
    for (const [body, field] of cases) {
      const res = await blocksRoute.POST(req("POST", "/api/security/blocks", cookies.admin, body), none);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = (await res.json()).error;
      if (err.fields) expect(Object.keys(err.fields), JSON.stringify(body)).toContain(field);
    }
    expect((await blockRoute.DELETE(req("DELETE", "/api/security/blocks/abc", cookies.admin), params({ id: "abc" }))).status).toBe(400);
    expect((await blockRoute.DELETE(req("DELETE", "/api/security/blocks/99999999999", cookies.admin), params({ id: "99999999999" }))).status).toBe(400);
    expect((await blockRoute.DELETE(req("DELETE", "/api/security/blocks/987654", cookies.admin), params({ id: "987654" }))).status).toBe(404);
    expect((await blocksRoute.GET(req("GET", "/api/security/blocks?status=forever", cookies.admin), none)).status).toBe(400);
  });
});

describe("lists", () => {
  it("refuses agents and QA, and bad filters with 400", async () => {
    for (const role of ["agent", "qa"] as const) {
      expect((await strikesRoute.GET(req("GET", "/api/security/strikes", cookies[role]), none)).status).toBe(403);
      expect((await auditRoute.GET(req("GET", "/api/security/audit-log", cookies[role]), none)).status).toBe(403);
      expect((await blocksRoute.GET(req("GET", "/api/security/blocks", cookies[role]), none)).status).toBe(403);
    }
    expect((await strikesRoute.GET(req("GET", "/api/security/strikes?rule=ddos", cookies.admin), none)).status).toBe(400);
    expect((await strikesRoute.GET(req("GET", "/api/security/strikes", cookies.manager), none)).status).toBe(200);
    const bad = await auditRoute.GET(req("GET", "/api/security/audit-log?from=last-week&limit=7", cookies.admin), none);
    expect(bad.status).toBe(400);
    expect(Object.keys((await bad.json()).error.fields).sort()).toEqual(["from", "limit"]);
    expect((await auditRoute.GET(req("GET", "/api/security/audit-log?after=%7B%7D", cookies.admin), none)).status).toBe(400);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appModule } from "../../../../tests/security/app-tree";
import { createWorld, credentials, openSuite, request, routeContext, type ActorName, type Handler, type Suite, type World } from "../../../../tests/security/helpers";
import { startFakeSheets, type FakeSheets } from "./fake-sheets";

/**
 * The Sheets API over HTTP: the admin's whole flow through the route
 * handlers (key, headers, source, poll), the key never in any answer, and
 * every other role refused on every route.
 */
let s: Suite;
let w: World;
let fake: FakeSheets;
const SHEET_ID = "1RoutesSheetAbCdEfGhIjKlMnOpQrStUvWxYz01234";

beforeAll(async () => {
  fake = await startFakeSheets();
  s = await openSuite();
  s.setEnv({ GOOGLE_SHEETS_ROOT_URL: fake.url, GOOGLE_TOKEN_URL: `${fake.url}/token` });
  w = await createWorld(s.db);
  fake.setSheet(SHEET_ID, [
    ["Name", "Phone", "Email"],
    ["Ida", "+44 20 7946 0958", "ida@example.com"],
  ]);
});
afterAll(async () => {
  await s?.close();
  await fake?.close();
});

type Call = { method: string; file: string; url: string; params?: Record<string, string>; json?: unknown };

async function call(actor: ActorName, c: Call) {
  const req = await request(c.method, c.url, { body: c.json === undefined ? undefined : { json: c.json }, headers: await credentials(s.db, w, actor) });
  const res = await ((await appModule(c.file))[c.method] as Handler)(req, routeContext(c.params));
  return { status: res.status, text: await res.text() };
}

describe("/api/crm/sheets", () => {
  it("the admin's flow: key in, headers read, source added, poll now, the key never in an answer", async () => {
    const key = fake.keyJson();
    const privateKey = JSON.parse(key).private_key as string;
    const pemBody = privateKey.split("\n")[1];
    const bodies: string[] = [];
    const ok = async (c: Call, status = 200) => {
      const r = await call("admin", c);
      expect(r.status, r.text.slice(0, 200)).toBe(status);
      bodies.push(r.text);
      return JSON.parse(r.text);
    };
    const sa = await ok({ method: "PUT", file: "app/api/crm/sheets/service-account/route.ts", url: "/api/crm/sheets/service-account", json: { key } });
    expect(sa).toEqual({ configured: true, fromEnv: false, clientEmail: "sheets-reader@fake-project.iam.gserviceaccount.com", updatedAt: expect.any(String) });
    await ok({ method: "GET", file: "app/api/crm/sheets/service-account/route.ts", url: "/api/crm/sheets/service-account" });
    const hdr = await ok({ method: "GET", file: "app/api/crm/sheets/headers/route.ts", url: `/api/crm/sheets/headers?sheet=${SHEET_ID}&range=Sheet1!A:Z` });
    expect(hdr.headers).toEqual(["Name", "Phone", "Email"]);
    const created = await ok(
      { method: "POST", file: "app/api/crm/sheets/route.ts", url: "/api/crm/sheets", json: { name: "Routes", sheet: SHEET_ID, projectId: w.projectA.id, mapping: { Name: "name", Phone: "phone", Email: "email" } } },
      201,
    );
    const id = String(created.id);
    await ok({ method: "PATCH", file: "app/api/crm/sheets/[id]/route.ts", url: `/api/crm/sheets/${id}`, params: { id }, json: { pollIntervalSec: 300 } });
    await ok({ method: "POST", file: "app/api/crm/sheets/[id]/poll/route.ts", url: `/api/crm/sheets/${id}/poll`, params: { id } }, 202);
    const list = await ok({ method: "GET", file: "app/api/crm/sheets/route.ts", url: "/api/crm/sheets" });
    expect(list.items.map((x: { id: number }) => String(x.id))).toContain(id);
    expect(list.serviceAccount.clientEmail).toBe("sheets-reader@fake-project.iam.gserviceaccount.com");

    // Bad input is a clear 4xx, never a 500.
    for (const bad of [
      { method: "PUT", file: "app/api/crm/sheets/service-account/route.ts", url: "/api/crm/sheets/service-account", json: { key: "{}" } },
      { method: "GET", file: "app/api/crm/sheets/headers/route.ts", url: "/api/crm/sheets/headers?sheet=nonsense" },
      { method: "POST", file: "app/api/crm/sheets/route.ts", url: "/api/crm/sheets", json: { name: "", sheet: SHEET_ID, projectId: "x", mapping: [] } },
      { method: "PATCH", file: "app/api/crm/sheets/[id]/route.ts", url: "/api/crm/sheets/999999", params: { id: "999999" }, json: { enabled: false } },
      { method: "PATCH", file: "app/api/crm/sheets/[id]/route.ts", url: "/api/crm/sheets/abc", params: { id: "abc" }, json: {} },
    ]) {
      const r = await call("admin", bad);
      expect(r.status, `${bad.method} ${bad.url}: ${r.text}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${bad.method} ${bad.url}: ${r.text}`).toBeLessThan(500);
      bodies.push(r.text);
    }
    for (const b of bodies) {
      expect(b).not.toContain("PRIVATE KEY");
      expect(b).not.toContain(pemBody);
      expect(b).not.toContain("private_key");
    }
    await ok({ method: "DELETE", file: "app/api/crm/sheets/[id]/route.ts", url: `/api/crm/sheets/${id}`, params: { id } });
  });

  it("manager, agents and QA get 403 on every sheets route", async () => {
    const id = "1";
    const routes: Call[] = [
      { method: "GET", file: "app/api/crm/sheets/route.ts", url: "/api/crm/sheets" },
      { method: "POST", file: "app/api/crm/sheets/route.ts", url: "/api/crm/sheets", json: {} },
      { method: "PATCH", file: "app/api/crm/sheets/[id]/route.ts", url: `/api/crm/sheets/${id}`, params: { id }, json: {} },
      { method: "DELETE", file: "app/api/crm/sheets/[id]/route.ts", url: `/api/crm/sheets/${id}`, params: { id } },
      { method: "POST", file: "app/api/crm/sheets/[id]/poll/route.ts", url: `/api/crm/sheets/${id}/poll`, params: { id } },
      { method: "GET", file: "app/api/crm/sheets/headers/route.ts", url: `/api/crm/sheets/headers?sheet=${SHEET_ID}` },
      { method: "GET", file: "app/api/crm/sheets/service-account/route.ts", url: "/api/crm/sheets/service-account" },
      { method: "PUT", file: "app/api/crm/sheets/service-account/route.ts", url: "/api/crm/sheets/service-account", json: { key: fake.keyJson() } },
      { method: "DELETE", file: "app/api/crm/sheets/service-account/route.ts", url: "/api/crm/sheets/service-account" },
    ];
    const got: Record<string, number> = {};
    for (const actor of ["manager", "agentLive", "agentCrm", "qa"] as const) {
      for (const r of routes) got[`${actor} ${r.method} ${r.url}`] = (await call(actor, r)).status;
    }
    expect(Object.entries(got).filter(([, st]) => st !== 403)).toEqual([]);
  });
});

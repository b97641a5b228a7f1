import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as meRoute from "../../app/api/auth/me/route";
import { createWorld, EVIL, OWN, openSuite, request, routeContext, SIBLING, staffCookie, type ActorName, type Suite, type World } from "./helpers";
import { callRoute, expectedFor, ROUTE_ENTRIES } from "./route-manifest";

/**
 * CSRF on every state-changing staff route, and the visitor API's CORS rule,
 * generated from the route manifest: a new state-changing route is covered
 * the moment it is listed there (and routes.test.ts makes sure it is).
 *
 * The cookie is SameSite=Lax, which stops other sites but not sibling
 * subdomains: the server itself must refuse anything a browser marks as not
 * coming from our own origin (lib/http.ts assertSameOrigin).
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

/** Staff cookies ride along on these: every state-changing route but the visitor API (which has its own rule below). */
const csrfRoutes = ROUTE_ENTRIES.filter((r) => r.entry.mutates && r.entry.access.kind !== "visitor-api");
const corsRoutes = ROUTE_ENTRIES.filter((r) => r.entry.access.kind === "visitor-api");

/** A staff actor the route lets through, so that a 403 can only be the CSRF check (admin first). */
function allowedStaff(route: (typeof ROUTE_ENTRIES)[number]): ActorName {
  const a = (["admin", "manager", "agentLive", "qa", "agentCrm", "agentOff"] as const).find((x) => expectedFor(route.entry.access, x) === "allowed");
  if (!a) throw new Error(`no staff actor may call ${route.method} ${route.file}`);
  return a;
}

async function refusedAsCrossSite(res: Response) {
  expect(res.status).toBe(403);
  expect((await res.json()).error.message).toMatch(/cross-site/i);
}

it("covers state-changing staff routes (the manifest isn't empty here)", () => {
  expect(csrfRoutes.length).toBeGreaterThan(10);
  expect(corsRoutes.length).toBeGreaterThan(0);
});

describe.each(csrfRoutes)("CSRF: $method $file", (route) => {
  const actor = allowedStaff(route);

  it("refuses Sec-Fetch-Site: cross-site (403)", async () => {
    await refusedAsCrossSite(await callRoute(s, w, route, actor, { "sec-fetch-site": "cross-site", origin: null }));
  });

  it("refuses Sec-Fetch-Site: same-site, a sibling subdomain (403)", async () => {
    await refusedAsCrossSite(await callRoute(s, w, route, actor, { "sec-fetch-site": "same-site", origin: SIBLING }));
  });

  it("refuses a foreign Origin without Sec-Fetch-Site (older browsers) (403)", async () => {
    await refusedAsCrossSite(await callRoute(s, w, route, actor, { "sec-fetch-site": null, origin: EVIL }));
  });

  it("lets the same request through from our own page", async () => {
    const res = await callRoute(s, w, route, actor, { "sec-fetch-site": "same-origin", origin: OWN });
    expect([401, 403]).not.toContain(res.status);
    expect(res.status).toBeLessThan(500);
  });
});

describe("a refused cross-site request changes nothing", () => {
  it("a cross-site sign-out leaves the session working", async () => {
    const cookie = await staffCookie(s.db, w.staff.manager.id);
    const { POST } = await import("../../app/api/auth/logout/route");
    const res = await POST(await request("POST", "/api/auth/logout", { headers: { cookie, "sec-fetch-site": "cross-site", origin: EVIL } }), routeContext());
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect((await meRoute.GET(await request("GET", "/api/auth/me", { headers: { cookie } }), routeContext())).status).toBe(200);
  });
});

describe.each(corsRoutes)("visitor CORS: $method $file", (route) => {
  const preflight = route.method === "OPTIONS";
  const ok = preflight ? 204 : undefined;

  it("refuses a foreign origin (403) and doesn't echo it", async () => {
    const res = await callRoute(s, w, route, "anonymous", { origin: EVIL, "sec-fetch-site": "cross-site" });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses an origin another project whitelists (403)", async () => {
    // The request is about project A; shop.client-b.test is project B's embed site.
    const query = preflight ? `?project=${w.projectA.slug}` : "";
    const spec = await route.entry.request(w, "anonymous");
    const res = await callRoute(s, w, { ...route, entry: { ...route.entry, request: () => ({ ...spec, url: spec.url + query }) } }, "anonymous", {
      origin: "https://shop.client-b.test",
      "sec-fetch-site": "cross-site",
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it.each([
    ["our own origin", OWN],
    ["the project's whitelisted embed origin", "https://shop.client-a.test"],
  ])("allows %s and echoes it", async (_label, origin) => {
    const res = await callRoute(s, w, route, "anonymous", { origin, "sec-fetch-site": origin === OWN ? "same-origin" : "cross-site" });
    if (ok) expect(res.status).toBe(ok);
    else expect(res.status).toBeLessThan(300);
    expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    expect(res.headers.get("vary")).toContain("Origin");
  });
});

/**
 * Conversation routes a visitor writes through (uploads) carry the visitor's
 * cookie: from a page outside our origin and the project's whitelist they
 * must be refused like the rest of the visitor API.
 */
describe.each(ROUTE_ENTRIES.filter((r) => r.entry.mutates && r.entry.access.kind === "conversation"))("visitor CORS: $method $file", (route) => {
  // The visitor cookie rides along from a sibling subdomain's form too (lib/chat/request-actor.ts).
  it("refuses the visitor's cookie from a foreign page (403)", async () => {
    const res = await callRoute(s, w, route, "visitor", { origin: SIBLING, "sec-fetch-site": "same-site", "x-visitor-token": null });
    expect(res.status).toBe(403);
  });

  it("accepts it from our own page", async () => {
    const res = await callRoute(s, w, route, "visitor", { origin: OWN, "sec-fetch-site": "same-origin" });
    expect(res.status).toBeLessThan(300);
  });
});

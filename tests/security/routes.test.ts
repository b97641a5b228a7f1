import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appFiles, appModule } from "./app-tree";
import { ACTORS, createWorld, openSuite, type Suite, type World } from "./helpers";
import { callRoute, expectedFor, METHODS, ROUTE_ENTRIES, ROUTES, type Expected, type RouteEntry } from "./route-manifest";

/**
 * Role × endpoint, generated from the route tree: every exported handler of
 * every app/**\/route.ts is called for real (a real Request, a real sealed
 * session cookie or visitor token, a real database) by every actor, and must
 * answer what its declared access says — allowed actors never 401/403 (nor
 * 500), refused ones exactly 401 (no session) or 403, or the 404 a
 * conversation route gives anyone it hides the conversation from.
 */

const ROUTE_FILES = appFiles(["route.ts"]);

let s: Suite;
let w: World;
const modules = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  s = await openSuite();
  w = await createWorld(s.db);
  for (const f of ROUTE_FILES) modules.set(f, await appModule(f));
});
afterAll(async () => {
  await s?.close();
});

describe("the route manifest", () => {
  it("has an entry for every exported handler of every route file, and no entry without one", () => {
    const found = ROUTE_FILES.flatMap((f) => METHODS.filter((m) => typeof modules.get(f)![m] === "function").map((m) => `${m} ${f}`));
    const declared = Object.entries(ROUTES).flatMap(([f, methods]) => Object.keys(methods).map((m) => `${m} ${f}`));
    expect({ missingFromManifest: found.filter((x) => !declared.includes(x)), noSuchRoute: declared.filter((x) => !found.includes(x)) }).toEqual({
      missingFromManifest: [],
      noSuchRoute: [],
    });
  });

  it("declares every method that isn't GET/HEAD/OPTIONS as state-changing (so CSRF and CORS tests cover it)", () => {
    const wrong = Object.entries(ROUTES).flatMap(([f, methods]) =>
      Object.entries(methods)
        .filter(([m, e]) => e!.mutates !== !["GET", "HEAD", "OPTIONS"].includes(m))
        .map(([m]) => `${m} ${f}`),
    );
    expect(wrong).toEqual([]);
  });
});

/**
 * What an actor got, in the terms of `Expected`: "allowed" when the call
 * passed the access check (any status but 401/403, and no 404 on a route that
 * answers refusals with 404), else the status. A 5xx is always reported as is.
 */
function outcome(entry: RouteEntry, status: number): Expected | number {
  if (status >= 500) return status;
  const refusals = entry.access.kind === "conversation" ? [401, 403, 404] : [401, 403];
  return refusals.includes(status) ? status : "allowed";
}

describe.each(ROUTE_ENTRIES)("$method $file", (route) => {
  const { entry } = route;
  it("answers every actor as its access rule says, never 500", async () => {
    const got: Record<string, Expected | number> = {};
    const want: Record<string, Expected> = {};
    const statuses: Record<string, number> = {};
    const why: Record<string, string> = {};
    for (const actor of ACTORS) {
      await w.restore();
      const res = await callRoute(s, w, route, actor);
      statuses[actor] = res.status;
      got[actor] = outcome(entry, res.status);
      want[actor] = expectedFor(entry.access, actor);
      if (res.status >= 400) why[actor] = `${res.status} ${(await res.text()).slice(0, 120)}`;
      else await res.body?.cancel();
    }
    expect(got, JSON.stringify(why)).toEqual(want);
    // The request is real enough that somebody gets through to a success: a
    // matrix of 400s would say nothing about permissions.
    expect(Object.values(statuses).some((st) => st < 400), JSON.stringify(why)).toBe(true);
  });
});

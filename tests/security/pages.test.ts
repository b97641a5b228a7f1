// Next's server sets up AsyncLocalStorage before anything of Next loads; so must we.
import "next/dist/server/node-environment-baseline";
import { workAsyncStorage } from "next/dist/server/app-render/work-async-storage.external";
import { workUnitAsyncStorage } from "next/dist/server/app-render/work-unit-async-storage.external";
import { createRequestStore } from "next/dist/server/async-storage/request-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projects } from "../../db/schema";
import type { StaffRole } from "../../db/schema";
import { can, CONSOLE_PATH, CONSOLE_PERMISSION } from "../../lib/auth/permissions";
import { appFiles, importApp } from "./app-tree";
import { ACTORS, credentials, createWorld, HOST, openSuite, STAFF_SPECS, type ActorName, type Suite, type World } from "./helpers";
import { PAGES, type PageEntry } from "./route-manifest";

/**
 * Page access: every page and layout of the app tree is rendered (its server
 * component called) inside a real Next request scope carrying the actor's
 * cookies, and must let in exactly the actors holding its console
 * permission — anonymous visitors go to /login?next=…, signed-in staff
 * without it to their own console.
 */

/** Page-level files that render per request; the root layout only wraps (html/body, styles). */
const PAGE_FILES = appFiles(["page.tsx", "layout.tsx"]).filter((f) => f !== "app/layout.tsx");

let s: Suite;
let w: World;

beforeAll(async () => {
  s = await openSuite();
  w = await createWorld(s.db);
  // `/` sends visitors to the default project.
  await s.db.insert(projects).values({ slug: "default", title: "Default", isDefault: true }).onConflictDoNothing();
});
afterAll(async () => {
  await s?.close();
});

type Rendered = { kind: "rendered" } | { kind: "redirect"; to: string } | { kind: "not-found" };

/** Call a page's server component as Next would for one request: inside its request scope. */
async function render(file: string, entry: PageEntry, actor: ActorName): Promise<Rendered> {
  const mod = await importApp(file);
  const component = mod.default as (props: Record<string, unknown>) => unknown;
  const headers = new Headers({ host: HOST, ...(await credentials(s.db, w, actor)) });
  headers.delete("x-visitor-token");
  const store = createRequestStore({
    phase: "render",
    headers,
    url: { pathname: "/", search: "" },
    rootParams: {},
    implicitTags: { tags: [], expirationsByCacheKind: new Map() },
    resumeDataCache: null,
    previewProps: undefined,
    isHmrRefresh: false,
    serverComponentsHmrCache: undefined,
    hmrRefreshHash: undefined,
    stagedFallbackParams: null,
  } as unknown as Parameters<typeof createRequestStore>[0]);
  const work = { route: file, forceStatic: false, dynamicShouldError: false, isStaticGeneration: false } as never;
  try {
    await workAsyncStorage.run(work, () => workUnitAsyncStorage.run(store, () => component(entry.props(w))));
    return { kind: "rendered" };
  } catch (err) {
    const digest = (err as { digest?: unknown }).digest;
    if (typeof digest === "string" && digest.startsWith("NEXT_REDIRECT;")) return { kind: "redirect", to: digest.split(";")[2] };
    if (typeof digest === "string" && digest.startsWith("NEXT_HTTP_ERROR_FALLBACK;404")) return { kind: "not-found" };
    throw err;
  }
}

/** What the page must do for an actor, from its gate and the one policy. */
function expected(entry: PageEntry, actor: ActorName): Rendered {
  const staff = actor === "anonymous" || actor === "visitor" ? null : STAFF_SPECS[actor];
  if (entry.gate === null) {
    if (entry.forwardsTo) return { kind: "redirect", to: entry.forwardsTo };
    if (entry.signedInGoesHome && staff) return { kind: "redirect", to: CONSOLE_PATH[staff.role] };
    return { kind: "rendered" };
  }
  if (!staff) return { kind: "redirect", to: entry.signIn! };
  return entry.gate.every((p) => can(staff, p)) ? { kind: "rendered" } : { kind: "redirect", to: CONSOLE_PATH[staff.role] };
}

describe("the page manifest", () => {
  it("has an entry for every page and layout, and no entry without one", () => {
    expect({ missing: PAGE_FILES.filter((f) => !(f in PAGES)), noSuchPage: Object.keys(PAGES).filter((f) => !PAGE_FILES.includes(f)) }).toEqual({
      missing: [],
      noSuchPage: [],
    });
  });

  it("gates every page under a console folder with that console's permission", () => {
    const wrong = Object.entries(PAGES)
      .map(([f, e]) => ({ f, e, role: (Object.keys(CONSOLE_PATH) as StaffRole[]).find((r) => f.startsWith(`app${CONSOLE_PATH[r]}/`)) }))
      .filter(({ f, e, role }) => {
        if (!role) return false;
        const perm = CONSOLE_PERMISSION[role];
        // A children-only layout passes if the layout it sits in is itself gated for this console.
        if (e.wrapsOnlyUnder) return !(f.startsWith(e.wrapsOnlyUnder.replace(/layout\.tsx$/, "")) && !!PAGES[e.wrapsOnlyUnder]?.gate?.includes(perm));
        return !e.gate?.includes(perm);
      })
      .map(({ f }) => f);
    expect(wrong).toEqual([]);
  });
});

describe.each(Object.entries(PAGES))("%s", (file, entry) => {
  it("lets in exactly the actors its gate allows", async () => {
    const got: Record<string, Rendered> = {};
    const want: Record<string, Rendered> = {};
    for (const actor of ACTORS) {
      await w.restore();
      got[actor] = await render(file, entry, actor);
      want[actor] = expected(entry, actor);
    }
    expect(got).toEqual(want);
  });
});

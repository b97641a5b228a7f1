import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../db/raw";
import { appModule } from "./app-tree";
import { createWorld, credentials, openSuite, request, routeContext, type Handler, type Suite, type World } from "./helpers";
import { ROUTE_ENTRIES, type Access } from "./route-manifest";

/**
 * The QA console never writes, over HTTP: every state-changing route in the
 * manifest (so every route: routes.test.ts fails on one that isn't there)
 * refuses a QA session — whatever permission its entry declares, so a new
 * write route that forgets QA is caught here — and leaves every table as it
 * was. The only exceptions are the analyst's own account (sign-in and out,
 * their password, sessions and second factor, the console heartbeat) and the
 * public visitor API, which a session gives nothing more than anyone has.
 */

const SELF_SERVICE: readonly string[] = ["profile.view"];

/** Not a write into the product's data: anyone's (public, visitor API), or the caller's own account. */
function ownAccountOrPublic(access: Access): boolean {
  if (access.kind === "public" || access.kind === "visitor-api") return true;
  return access.kind === "staff" && access.anyOf.every((p) => SELF_SERVICE.includes(p)) && (access.allOf ?? []).every((p) => SELF_SERVICE.includes(p));
}

const WRITES = ROUTE_ENTRIES.filter((r) => r.entry.mutates);
const GUARDED = WRITES.filter((r) => !ownAccountOrPublic(r.entry.access));

let s: Suite;
let w: World;

beforeAll(async () => {
  s = await openSuite();
  w = await createWorld(s.db);
});
afterAll(async () => {
  await s?.close();
});

/** Every table's rows, as one fingerprint per table (the test databases are small). */
async function snapshot(): Promise<Record<string, string>> {
  const tables = rowsOf<{ name: string }>(
    await s.db.execute(sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`),
  ).map((t) => t.name);
  const out: Record<string, string> = {};
  for (const t of tables) {
    const [r] = rowsOf<{ f: string | null }>(await s.db.execute(sql`select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as f from ${sql.identifier(t)} x`));
    out[t] = r.f ?? "";
  }
  return out;
}

describe("QA over HTTP", () => {
  it("covers the write routes (the manifest is complete: routes.test.ts)", () => {
    // The chat writes QA must never reach are among them.
    const files = GUARDED.map((r) => r.file);
    for (const f of ["app/api/chat/attachments/route.ts", "app/api/chat/conversations/[id]/close/route.ts", "app/api/chat/conversations/[id]/stage/route.ts", "app/api/chat/conversations/[id]/assign/route.ts"]) {
      expect(files).toContain(f);
    }
  });

  it.each(GUARDED.map((r) => ({ ...r, name: `${r.method} ${r.file}` })))("$name refuses a QA session and changes nothing", async (route) => {
    await w.restore();
    const spec = await route.entry.request(w, "qa");
    const req = await request(route.method, spec.url, { body: spec.body, headers: { ...(await credentials(s.db, w, "qa")), ...spec.headers } });
    const before = await snapshot();
    const res = await ((await appModule(route.file))[route.method] as Handler)(req, routeContext(spec.params));
    const text = await res.text();
    // 403; or, from a conversation route, 403 (QA may read the chat) — never a success, never a 5xx.
    expect(res.status, text.slice(0, 200)).toBe(403);
    expect(await snapshot()).toEqual(before);
  });
});

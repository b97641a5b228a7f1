import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { auditLog, settings, type StaffRole, type users } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createProject, createStaff, staffCtxFor } from "../../../tests/factories";
import * as tagsRoute from "../../../app/api/marketing/tags/route";
import * as landingRoute from "../../../app/p/[slug]/route";
import { describeAuditAction } from "../../audit-labels";
import { sealSession, SESSION_COOKIE } from "../../auth/session";
import { parseEnv } from "../../env";
import { describeError } from "../../errors";
import { setSingleton } from "../../singleton";
import { getMarketingTags, getTags, invalidateTags, tagPolicy, updateMarketingTags } from "..";
import { liveTagsFor } from "../inject";
import { MARKETING_TAGS_KEY } from "../tags";
import { GTM_BODY, GTM_HEAD } from "./fixtures";

/**
 * Marketing → Tags end to end below the browser: the verb's policy, limits
 * and audit row, the per-process cache, the API's answers, and the landing
 * page carrying the stamped snippets. A real database.
 */
let h: DbHandle;
type User = typeof users.$inferSelect;
const staff: Partial<Record<StaffRole, User>> = {};
const cookies: Partial<Record<StaffRole, string>> = {};
const NOW = new Date("2026-05-01T12:00:00.000Z");
const ctx = (role: StaffRole) => staffCtxFor(h.db, staff[role]!, NOW);
const BASE = "http://chat.example.test";
let slug: string;

const outcome = async (p: Promise<unknown>) => {
  try {
    await p;
    return { status: 200, code: "ok", message: "", fields: undefined as Record<string, string> | undefined };
  } catch (err) {
    const d = describeError(err);
    return { status: d.status, code: d.body.error.code, message: d.body.error.message, fields: d.body.error.fields };
  }
};

function put(cookie: string | undefined, body: unknown) {
  return tagsRoute.PUT(
    new Request(`${BASE}/api/marketing/tags`, {
      method: "PUT",
      headers: { ...(cookie ? { cookie } : {}), "content-type": "application/json", "sec-fetch-site": "same-origin" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    { params: Promise.resolve({}) },
  );
}
const get = (cookie: string | undefined) => tagsRoute.GET(new Request(`${BASE}/api/marketing/tags`, { headers: cookie ? { cookie } : {} }), { params: Promise.resolve({}) });

/** The landing page as server.ts hands it to Next: with this response's CSP on the request. */
const landing = (nonce: string | null) =>
  landingRoute.GET(new Request(`${BASE}/p/${slug}`, { headers: nonce ? { "content-security-policy": `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'` } : {} }), {
    params: Promise.resolve({ slug }),
  });

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-marketing-tags"), SESSION_SECRET: "m".repeat(40) } as unknown as NodeJS.ProcessEnv));
  h = await createTestDb();
  setSingleton("db", Promise.resolve(h));
  for (const role of ["admin", "manager", "agent", "qa"] as const) {
    const u = await createStaff(h.db, { role });
    staff[role] = u;
    cookies[role] = `${SESSION_COOKIE}=${await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db })}`;
  }
  slug = (await createProject(h.db)).slug;
});
afterEach(async () => {
  await h.db.delete(settings).where(eq(settings.key, MARKETING_TAGS_KEY));
  invalidateTags();
});
afterAll(async () => {
  invalidateTags();
  setSingleton("db", undefined);
  setSingleton("env", undefined);
  await h?.close();
});

describe("updateMarketingTags / getMarketingTags", () => {
  it.each(["agent", "qa"] as const)("refuse %s (403), through the verbs and the API, and change nothing", async (role) => {
    expect((await outcome(updateMarketingTags({ ctx: ctx(role), input: { head: GTM_HEAD } }))).status).toBe(403);
    expect((await outcome(getMarketingTags({ ctx: ctx(role) }))).status).toBe(403);
    expect((await put(cookies[role], { head: GTM_HEAD })).status).toBe(403);
    expect((await get(cookies[role])).status).toBe(403);
    expect((await put(undefined, { head: GTM_HEAD })).status).toBe(401);
    expect(await h.db.select().from(settings).where(eq(settings.key, MARKETING_TAGS_KEY))).toEqual([]);
  });

  it.each(["admin", "manager"] as const)("%s saves; the audit row says what changed (sizes and hosts, not the code)", async (role) => {
    const { result } = await updateMarketingTags({ ctx: ctx(role), input: { head: GTM_HEAD, body: GTM_BODY, extraHosts: ["*.google-analytics.com"] } });
    expect(result).toMatchObject({ head: GTM_HEAD, body: GTM_BODY, visitorPages: true, staffPages: false, extraHosts: ["https://*.google-analytics.com"] });
    expect(result.hosts).toEqual(["https://*.google-analytics.com", "https://www.googletagmanager.com"]);
    expect(await getMarketingTags({ ctx: ctx(role) })).toEqual(result);

    const rows = await h.db.select().from(auditLog).where(eq(auditLog.action, "marketing.tags_updated"));
    const row = rows.at(-1)!;
    expect(row.actorId).toBe(staff[role]!.id);
    expect(row.data).toEqual({
      changed: ["head", "body", "extraHosts"],
      headBytes: Buffer.byteLength(GTM_HEAD),
      bodyBytes: Buffer.byteLength(GTM_BODY),
      visitorPages: true,
      staffPages: false,
      hosts: result.hosts,
    });
    expect(describeAuditAction("marketing.tags_updated")).toEqual({ label: "Changed the marketing tags", category: "settings" });
    // Saving the same again writes nothing.
    await updateMarketingTags({ ctx: ctx(role), input: { head: GTM_HEAD, body: GTM_BODY, extraHosts: ["https://*.google-analytics.com"] } });
    expect(await h.db.select().from(auditLog).where(eq(auditLog.action, "marketing.tags_updated"))).toHaveLength(rows.length);
  });

  it("refuses bad input with a clear 4xx per field, and keeps what was saved", async () => {
    await updateMarketingTags({ ctx: ctx("admin"), input: { head: GTM_HEAD } });
    const over = `<script>/*${"x".repeat(70 * 1024)}*/</script>`;
    const big = await outcome(updateMarketingTags({ ctx: ctx("admin"), input: { head: GTM_HEAD, body: over } }));
    expect(big).toMatchObject({ status: 413, code: "payload_too_large", message: "The body snippet is 71 KB; a snippet may be at most 64 KB." });
    expect(big.fields).toEqual({ body: "The body snippet is 71 KB; a snippet may be at most 64 KB." });

    const notHtml = await outcome(updateMarketingTags({ ctx: ctx("admin"), input: { head: "gtag('config', 'G-XXXX');" } }));
    expect(notHtml.status).toBe(400);
    expect(notHtml.fields?.head).toMatch(/^The head snippet has text outside any tag/);
    const nul = await outcome(updateMarketingTags({ ctx: ctx("admin"), input: { body: "<div>\u0000</div>" } }));
    expect(nul.fields?.body).toMatch(/binary data/);
    const hosts = await outcome(updateMarketingTags({ ctx: ctx("admin"), input: { extraHosts: ["https://ok.example.com", "http://plain.example.com", "*"] } }));
    expect(Object.keys(hosts.fields ?? {})).toEqual(["extraHosts.1", "extraHosts.2"]);
    const types = await outcome(updateMarketingTags({ ctx: ctx("admin"), input: { head: 42, staffPages: "yes" } }));
    expect(Object.keys(types.fields ?? {}).sort()).toEqual(["head", "staffPages"]);
    expect(await outcome(updateMarketingTags({ ctx: ctx("admin"), input: { head: "", surprise: true } }))).toMatchObject({ status: 400 });

    expect((await getMarketingTags({ ctx: ctx("admin") })).head).toBe(GTM_HEAD);
  });

  it("the API: 1 MB snippets are a 413 before they are read in full; a non-JSON body a 415; a good save a 200", async () => {
    const oneMb = await put(cookies.admin, { head: `<script>${"x".repeat(1024 * 1024)}</script>`, body: "" });
    expect(oneMb.status).toBe(413);
    expect(await oneMb.json()).toEqual({ error: { code: "payload_too_large", message: "The snippets are too large: each may be at most 64 KB." } });
    const seventy = await put(cookies.admin, { head: `<script>${"x".repeat(70 * 1024)}</script>` });
    expect(seventy.status).toBe(413);
    expect(((await seventy.json()) as { error: { fields: Record<string, string> } }).error.fields).toEqual({ head: "The head snippet is 71 KB; a snippet may be at most 64 KB." });
    const form = await tagsRoute.PUT(
      new Request(`${BASE}/api/marketing/tags`, { method: "PUT", headers: { cookie: cookies.admin!, "content-type": "text/plain", "sec-fetch-site": "same-origin" }, body: "<script>x</script>" }),
      { params: Promise.resolve({}) },
    );
    expect(form.status).toBe(415);
    const ok = await put(cookies.admin, { head: GTM_HEAD, staffPages: true });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ head: GTM_HEAD, staffPages: true, hosts: ["https://www.googletagmanager.com"], limits: { snippetBytes: 65536 } });
    expect((await get(cookies.manager)).status).toBe(200);
  });

  it("staff pages are an admin's: a manager can't turn them on, nor change the tags while they are on", async () => {
    await updateMarketingTags({ ctx: ctx("admin"), input: { head: GTM_HEAD, staffPages: false } });
    expect((await getMarketingTags({ ctx: ctx("manager") })).canStaffPages).toBe(false);
    expect((await getMarketingTags({ ctx: ctx("admin") })).canStaffPages).toBe(true);
    const on = await outcome(updateMarketingTags({ ctx: ctx("manager"), input: { head: GTM_HEAD, staffPages: true } }));
    expect(on).toMatchObject({ status: 403, fields: { staffPages: "Only an admin may run tags on staff pages." } });
    // Visitor pages only: the manager's change goes through.
    await updateMarketingTags({ ctx: ctx("manager"), input: { head: GTM_HEAD, body: GTM_BODY, staffPages: false } });
    await updateMarketingTags({ ctx: ctx("admin"), input: { head: GTM_HEAD, body: GTM_BODY, staffPages: true } });
    const edit = await outcome(updateMarketingTags({ ctx: ctx("manager"), input: { head: GTM_HEAD, body: "", staffPages: true } }));
    expect(edit.status).toBe(403);
    expect(edit.message).toMatch(/only an admin may change them/);
    expect((await getMarketingTags({ ctx: ctx("admin") })).body).toBe(GTM_BODY);
    await updateMarketingTags({ ctx: ctx("admin"), input: { head: GTM_HEAD, body: GTM_BODY, staffPages: false } });
  });
});

describe("the live tags (cache, surfaces, the landing page)", () => {
  it("are cached per process and dropped on save: live on the next page load", async () => {
    expect((await getTags(h.db)).settings.head).toBe("");
    // A row changed behind this process's back (no save here, no REDIS_URL) stays unseen…
    await h.db.insert(settings).values({ key: MARKETING_TAGS_KEY, value: { head: "<script>stale()</script>" } });
    expect((await getTags(h.db)).settings.head).toBe("");
    // …a save drops the copy at once.
    await updateMarketingTags({ ctx: ctx("admin"), input: { head: GTM_HEAD } });
    expect((await getTags(h.db)).settings.head).toBe(GTM_HEAD);
  });

  it("with several instances (REDIS_URL), another instance's save shows here within 5 s", async () => {
    const env = parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-marketing-tags"), SESSION_SECRET: "m".repeat(40), REDIS_URL: "redis://127.0.0.1:6379" } as unknown as NodeJS.ProcessEnv);
    const single = parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-marketing-tags"), SESSION_SECRET: "m".repeat(40) } as unknown as NodeJS.ProcessEnv);
    setSingleton("env", env);
    try {
      const t0 = Date.now();
      expect((await getTags(h.db, t0)).settings.head).toBe("");
      // Another instance saved (its own cache dropped; not ours).
      await h.db.insert(settings).values({ key: MARKETING_TAGS_KEY, value: { head: GTM_HEAD } });
      expect((await getTags(h.db, t0 + 4_000)).settings.head).toBe("");
      expect((await getTags(h.db, t0 + 5_001)).settings.head).toBe(GTM_HEAD);
    } finally {
      setSingleton("env", single);
    }
  });

  it("run where they are switched on, with their hosts", async () => {
    expect(await tagPolicy(h.db)).toEqual({ visitor: null, staff: null });
    await updateMarketingTags({ ctx: ctx("admin"), input: { head: GTM_HEAD } });
    expect(await tagPolicy(h.db)).toEqual({ visitor: ["https://www.googletagmanager.com"], staff: null });
    expect(await liveTagsFor(h.db, "staff", "n")).toBeNull();
    expect(await liveTagsFor(h.db, "visitor", null)).toBeNull();
    expect(await liveTagsFor(h.db, "visitor", "n")).not.toBeNull();
    await updateMarketingTags({ ctx: ctx("admin"), input: { head: GTM_HEAD, visitorPages: false, staffPages: true } });
    expect(await tagPolicy(h.db)).toEqual({ visitor: null, staff: ["https://www.googletagmanager.com"] });
  });

  it("a stored value that doesn't fit the shape serves no tags", async () => {
    await h.db.insert(settings).values({ key: MARKETING_TAGS_KEY, value: { head: 42 } });
    invalidateTags();
    expect(await tagPolicy(h.db)).toEqual({ visitor: null, staff: null });
  });

  it("the landing page: the head snippet at the end of <head>, the body snippet first in <body>, every script with the response's nonce", async () => {
    const bare = await (await landing("n0nce")).text();
    expect(bare).toMatch(/<script type="module" src="[^"]+" nonce="n0nce"><\/script>/);
    expect(bare).not.toContain("googletagmanager");

    await updateMarketingTags({ ctx: ctx("admin"), input: { head: `${GTM_HEAD}<script nonce="stale">second()</script>`, body: GTM_BODY } });
    const html = await (await landing("n0nce")).text();
    const head = html.slice(html.indexOf("<head>"), html.indexOf("</head>"));
    expect(head).toMatch(/<\/style>\n<!-- Google Tag Manager -->\n<script nonce="n0nce">\(function\(w,d,s,l,i\)/);
    expect(head).toContain('<script nonce="n0nce">second()</script>');
    expect(head).not.toContain("stale");
    expect(html).toMatch(/<body>\n<!-- Google Tag Manager \(noscript\) -->\n<noscript><iframe src="https:\/\/www.googletagmanager.com\/ns.html\?id=GTM-TEST123"/);
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toContain('nonce="n0nce"');

    // No CSP of ours on the request, or visitor pages switched off: no tags.
    expect(await (await landing(null)).text()).not.toContain("googletagmanager");
    await updateMarketingTags({ ctx: ctx("admin"), input: { head: GTM_HEAD, body: GTM_BODY, visitorPages: false } });
    expect(await (await landing("n0nce")).text()).not.toContain("googletagmanager");
  });
});

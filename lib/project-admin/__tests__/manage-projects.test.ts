import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, desc, eq } from "drizzle-orm";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { auditLog, projects } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createProject as insertProject, createStaff, staffCtxFor } from "../../../tests/factories";
import type { StaffCtx } from "../../ctx";
import { parseEnv } from "../../env";
import { describeError } from "../../errors";
import { setSingleton } from "../../singleton";
import { cloneProject } from "../clone-project";
import { createProject } from "../create-project";
import { getProject } from "../get-project";
import { iconsDir, readProjectIcon, removeProjectIcon, uploadProjectIcon } from "../icon";
import { listProjects } from "../list-projects";
import { forgetAllowedOriginCaches, listAllAllowedOrigins, visitorPageSources } from "../../projects/origins";
import { setDefaultProject } from "../set-default-project";
import { updateProject } from "../update-project";
import { accentForeground, contrastRatio } from "../../projects/branding";

/**
 * The Projects verbs on a real database (PGlite, or PostgreSQL with
 * TEST_DATABASE_URL: the default-project race below only races there, where
 * transactions run concurrently).
 */
let h: DbHandle;
let dataDir: string;
const db = () => h.db;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "occ-projects-"));
  setSingleton("env", parseEnv({ DATA_DIR: dataDir, SESSION_SECRET: "s".repeat(40) } as unknown as NodeJS.ProcessEnv));
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
  setSingleton("env", undefined);
  await fs.rm(dataDir, { recursive: true, force: true });
});

let n = 0;
const slug = (p = "brand") => `${p}-${Date.now().toString(36)}-${++n}`;

async function as(role: "admin" | "manager" | "agent" | "qa"): Promise<StaffCtx> {
  return { ...staffCtxFor(db(), await createStaff(db(), { role })), ip: "198.51.100.40" };
}

async function fail(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err, "expected the call to be refused").not.toBeNull();
  return describeError(err);
}

const row = async (id: number) => (await db().select().from(projects).where(eq(projects.id, id)))[0];
const auditOf = (id: number) =>
  db()
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.targetType, "project"), eq(auditLog.targetId, String(id))))
    .orderBy(desc(auditLog.id));
const defaults = async () => (await db().select({ id: projects.id }).from(projects).where(eq(projects.isDefault, true))).map((r) => r.id);

async function png(w: number, h: number) {
  return sharp({ create: { width: w, height: h, channels: 3, background: "#16a34a" } }).png().toBuffer();
}
const fileOf = (data: Buffer | Uint8Array, name = "logo.png", type = "image/png") => new File([new Uint8Array(data)], name, { type });

describe("createProject", () => {
  it("adds a project with its branding and origins, audited; the schema's copy fills what the form leaves out", async () => {
    const admin = await as("admin");
    const s = slug();
    const { result } = await createProject({
      ctx: admin,
      input: { slug: s, title: "Acme", accentColor: "#D9480F", allowedOrigins: "https://shop.acme.test\n\n  https://*.acme.test  \nhttps://shop.acme.test", widgetPosition: "left" },
    });
    expect(result).toMatchObject({ slug: s, title: "Acme", accentColor: "#d9480f", allowedOrigins: ["https://shop.acme.test", "https://*.acme.test"], widgetPosition: "left", isDefault: false });
    expect(result.welcomeHeading).toBe("Hi there 👋");
    const [a] = await auditOf(result.id);
    expect(a).toMatchObject({ action: "project.create", actorId: admin.actor.userId, ip: "198.51.100.40" });
  });

  it("gives field errors for each bad field, and writes nothing", async () => {
    const admin = await as("admin");
    const before = (await db().select().from(projects)).length;
    const bad = await fail(
      createProject({
        ctx: admin,
        input: { slug: "Bad Slug", title: "", accentColor: "blue", welcomeHeading: "x".repeat(121), widgetPosition: "top", aiInstructions: "y".repeat(8001) },
      }),
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields!).sort()).toEqual(["accentColor", "aiInstructions", "slug", "title", "welcomeHeading", "widgetPosition"]);
    expect((await fail(createProject({ ctx: admin, input: { slug: "-edge", title: "T" } }))).body.error.fields).toHaveProperty("slug");
    expect((await fail(createProject({ ctx: admin, input: { slug: "two--dashes", title: "T" } }))).body.error.fields).toHaveProperty("slug");
    expect((await fail(createProject({ ctx: admin, input: { slug: "x", title: "T" } }))).body.error.fields).toHaveProperty("slug");
    expect((await fail(createProject({ ctx: admin, input: { slug: slug(), title: "T", unknown: 1 } }))).status).toBe(400);
    expect((await db().select().from(projects)).length).toBe(before);
  });

  it("refuses reserved slugs (the app's own paths)", async () => {
    const admin = await as("admin");
    // "p" (the visitor pages' own prefix) is refused as too short before it is looked up.
    expect((await fail(createProject({ ctx: admin, input: { slug: "p", title: "Reserved" } }))).status).toBe(400);
    for (const s of ["admin", "manager", "agent", "qa", "api", "login", "account", "widget", "static", "healthz", "visitor-assets"]) {
      const r = await fail(createProject({ ctx: admin, input: { slug: s, title: "Reserved" } }));
      expect(r.status, s).toBe(400);
      expect(r.body.error.fields!.slug, s).toMatch(/reserved/);
    }
  });

  it("refuses a taken slug with the field's 409", async () => {
    const admin = await as("admin");
    const taken = await insertProject(db(), { slug: slug("taken") });
    const r = await fail(createProject({ ctx: admin, input: { slug: taken.slug, title: "Dup" } }));
    expect(r.status).toBe(409);
    expect(r.body.error.fields).toEqual({ slug: "Another project already uses this slug." });
  });

  it("reports each bad origin by line, and saves none of them", async () => {
    const admin = await as("admin");
    const text = ["https://ok.test", "https://Shop.test", "", "https://x.test/", "*.client.test", "https://*.com", "https://*.client.test"].join("\n");
    const r = await fail(createProject({ ctx: admin, input: { slug: slug(), title: "Origins", allowedOrigins: text } }));
    expect(r.status).toBe(400);
    const fields = r.body.error.fields!;
    expect(Object.keys(fields).sort()).toEqual(["allowedOrigins", "allowedOrigins.2", "allowedOrigins.4", "allowedOrigins.5", "allowedOrigins.6"]);
    expect(fields["allowedOrigins.2"]).toMatch(/^Line 2 \(https:\/\/Shop\.test\).*Did you mean https:\/\/shop\.test\?/);
    expect(fields["allowedOrigins.4"]).toMatch(/Did you mean https:\/\/x\.test\?/);
    expect(fields.allowedOrigins).toMatch(/^Lines 2, 4, 5, 6 are not/);
  });

  it("is admin only: managers, agents and QA get 403 and nothing is written", async () => {
    for (const role of ["manager", "agent", "qa"] as const) {
      const ctx = await as(role);
      const s = slug();
      expect((await fail(createProject({ ctx, input: { slug: s, title: "Nope" } }))).status).toBe(403);
      expect((await fail(listProjects({ ctx, input: {} }))).status).toBe(403);
      expect(await db().select().from(projects).where(eq(projects.slug, s))).toEqual([]);
    }
  });
});

describe("updateProject", () => {
  it("saves changed fields with a version, audits old and new, and refuses a stale version with a 409", async () => {
    const admin = await as("admin");
    const p = await insertProject(db(), { slug: slug() });
    const version = p.updatedAt.toISOString();
    const later = new Date(p.updatedAt.getTime() + 1000);
    const { result } = await updateProject({ ctx: { ...admin, now: later }, input: { projectId: p.id, title: "New title", accentColor: "#111111", version } });
    expect(result).toMatchObject({ title: "New title", accentColor: "#111111", version: later.toISOString() });
    const [a] = await auditOf(p.id);
    expect(a.action).toBe("project.update");
    expect(a.data).toEqual({ title: { from: p.title, to: "New title" }, accentColor: { from: p.accentColor, to: "#111111" } });

    // A second admin saving from the copy they opened before the first save.
    const other = await as("admin");
    const stale = await fail(updateProject({ ctx: other, input: { projectId: p.id, title: "Overwrite?", version } }));
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/Someone else changed this project/);
    expect(stale.body.error.fields).toHaveProperty("version");
    expect((await row(p.id)).title).toBe("New title");
  });

  it("renames the slug (unique, not reserved), 404 for an unknown id, 400 for a forged one", async () => {
    const admin = await as("admin");
    const p = await insertProject(db(), { slug: slug() });
    const other = await insertProject(db(), { slug: slug() });
    expect((await fail(updateProject({ ctx: admin, input: { projectId: p.id, slug: other.slug } }))).status).toBe(409);
    expect((await fail(updateProject({ ctx: admin, input: { projectId: p.id, slug: "login" } }))).status).toBe(400);
    const s = slug("renamed");
    expect((await updateProject({ ctx: admin, input: { projectId: p.id, slug: s } })).result.slug).toBe(s);
    // Its own slug again is no conflict.
    await updateProject({ ctx: admin, input: { projectId: p.id, slug: s } });
    expect((await fail(updateProject({ ctx: admin, input: { projectId: 2_000_000_000, title: "x" } }))).status).toBe(404);
    expect((await fail(updateProject({ ctx: admin, input: { projectId: "1 or 1=1", title: "x" } }))).status).toBe(400);
    expect((await fail(updateProject({ ctx: admin, input: { projectId: p.id, isDefault: false } }))).status).toBe(400);
  });

  it("new origins apply to this instance's CSP and CORS caches at once, and to any instance's within 30 s", async () => {
    const admin = await as("admin");
    const p = await insertProject(db(), { slug: slug(), allowedOrigins: ["https://old.test"] });
    const t0 = Date.now();
    forgetAllowedOriginCaches();
    expect((await visitorPageSources(db(), p.slug, t0))?.frameAncestors).toEqual(["https://old.test"]);
    expect(await listAllAllowedOrigins(db(), t0)).toContain("https://old.test");

    // Another instance's edit (written straight to the table: this process's caches don't hear of it).
    await db().update(projects).set({ allowedOrigins: ["https://other-instance.test"] }).where(eq(projects.id, p.id));
    expect((await visitorPageSources(db(), p.slug, t0 + 10_000))?.frameAncestors).toEqual(["https://old.test"]);
    // Past 30 s no request is answered from the old copy (not even the one that triggers the refresh).
    expect((await visitorPageSources(db(), p.slug, t0 + 30_000))?.frameAncestors).toEqual(["https://other-instance.test"]);
    expect(await listAllAllowedOrigins(db(), t0 + 30_000)).toContain("https://other-instance.test");

    // This instance's own save is effective at once.
    await updateProject({ ctx: admin, input: { projectId: p.id, allowedOrigins: ["https://*.new.test"] } });
    expect((await visitorPageSources(db(), p.slug, t0 + 30_001))?.frameAncestors).toEqual(["https://*.new.test"]);
    const all = await listAllAllowedOrigins(db(), t0 + 30_001);
    expect(all).toContain("https://*.new.test");
    expect(all).not.toContain("https://other-instance.test");
  });
});

describe("cloneProject", () => {
  it("copies branding, origins, AI instructions, position and icon under a new slug — never the default flag", async () => {
    const admin = await as("admin");
    const src = await insertProject(db(), {
      slug: slug("src"),
      title: "Source",
      subtitle: "Sub",
      accentColor: "#7c3aed",
      welcomeHeading: "Welcome!",
      welcomeMessage: "Msg",
      formHeading: "Form",
      formDescription: "Desc",
      allowedOrigins: ["https://*.source.test"],
      aiInstructions: "Be formal.",
      widgetPosition: "left",
    });
    await uploadProjectIcon({ ctx: admin, input: { projectId: src.id }, file: fileOf(await png(64, 64)) });
    await setDefaultProject({ ctx: admin, input: { projectId: src.id } });
    const srcRow = await row(src.id);
    const s = slug("copy");
    const { result } = await cloneProject({ ctx: admin, input: { projectId: src.id, slug: s } });
    expect(result).toMatchObject({
      slug: s,
      title: "Source (copy)",
      subtitle: "Sub",
      accentColor: "#7c3aed",
      welcomeHeading: "Welcome!",
      welcomeMessage: "Msg",
      formHeading: "Form",
      formDescription: "Desc",
      allowedOrigins: ["https://*.source.test"],
      aiInstructions: "Be formal.",
      widgetPosition: "left",
      isDefault: false,
    });
    expect(result.id).not.toBe(src.id);
    // The clone's own icon URL, the same bytes.
    expect(result.iconUrl).toMatch(new RegExp(`^/api/projects/${result.id}/icon\\?v=[a-f0-9]{64}$`));
    expect((await readProjectIcon({ db: db() }, result.id)).data.equals((await readProjectIcon({ db: db() }, src.id)).data)).toBe(true);
    expect(await defaults()).toEqual([src.id]);
    const [a] = await auditOf(result.id);
    expect(a).toMatchObject({ action: "project.clone", data: expect.objectContaining({ from: src.id }) });
    // The source is untouched.
    expect(await row(src.id)).toEqual(srcRow);
    expect((await fail(cloneProject({ ctx: admin, input: { projectId: src.id, slug: s } }))).status).toBe(409);
    expect((await fail(cloneProject({ ctx: admin, input: { projectId: src.id, slug: "api" } }))).status).toBe(400);
    expect((await fail(cloneProject({ ctx: await as("manager"), input: { projectId: src.id, slug: slug() } }))).status).toBe(403);
  });
});

describe("setDefaultProject", () => {
  it("moves the default: always exactly one, audited", async () => {
    const admin = await as("admin");
    const [a, b] = [await insertProject(db(), { slug: slug() }), await insertProject(db(), { slug: slug() })];
    await setDefaultProject({ ctx: admin, input: { projectId: a.id } });
    expect(await defaults()).toEqual([a.id]);
    await setDefaultProject({ ctx: admin, input: { projectId: b.id } });
    expect(await defaults()).toEqual([b.id]);
    // Again: nothing changes.
    await setDefaultProject({ ctx: admin, input: { projectId: b.id } });
    expect(await defaults()).toEqual([b.id]);
    const [entry] = await auditOf(b.id);
    expect(entry).toMatchObject({ action: "project.default", data: { previous: a.id } });
    expect((await fail(setDefaultProject({ ctx: admin, input: { projectId: 2_000_000_000 } }))).status).toBe(404);
    expect((await fail(setDefaultProject({ ctx: await as("manager"), input: { projectId: a.id } }))).status).toBe(403);
    expect(await defaults()).toEqual([b.id]);
  });

  /**
   * Several admins make different projects the default at the same moment.
   * On PostgreSQL, without makeDefaultLocked's advisory lock, each transaction
   * reads the same old default, clears it and sets its own: all but the first
   * then fail on projects_default_uq (this test fails there: a rejected call),
   * and without the index two defaults would remain. With the lock they queue,
   * every call succeeds, and exactly one default is left: the last one's.
   */
  it("concurrent 'make default' calls never leave zero or two defaults", async () => {
    const admins = await Promise.all([as("admin"), as("admin"), as("admin"), as("admin")]);
    const targets = await Promise.all(admins.map(() => insertProject(db(), { slug: slug("race") })));
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled(admins.map((ctx, i) => setDefaultProject({ ctx, input: { projectId: targets[(i + round) % targets.length].id } })));
      expect(
        results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason)),
        "every call succeeds",
      ).toEqual([]);
      const now = await defaults();
      expect(now).toHaveLength(1);
      expect(targets.map((t) => t.id)).toContain(now[0]);
    }
  });
});

describe("project icons", () => {
  it("stores a re-encoded WebP under DATA_DIR, served from our origin; replacing it removes the old file", async () => {
    const admin = await as("admin");
    const p = await insertProject(db(), { slug: slug() });
    const { result } = await uploadProjectIcon({ ctx: admin, input: { projectId: p.id }, file: fileOf(await png(1000, 600)) });
    expect(result.iconUrl).toMatch(new RegExp(`^/api/projects/${p.id}/icon\\?v=[a-f0-9]{64}$`));
    const icon = await readProjectIcon({ db: db() }, p.id);
    const meta = await sharp(icon.data).metadata();
    expect(meta).toMatchObject({ format: "webp", width: 480, height: 288 });
    const first = path.join(iconsDir(), `${icon.hash}.webp`);
    await fs.access(first);
    const [a] = await auditOf(p.id);
    expect(a.action).toBe("project.update");

    await uploadProjectIcon({ ctx: admin, input: { projectId: p.id }, file: fileOf(await png(32, 32)) });
    await expect(fs.access(first)).rejects.toThrow();
    await removeProjectIcon({ ctx: admin, input: { projectId: p.id } });
    expect((await row(p.id)).iconUrl).toBeNull();
    expect(await fs.readdir(iconsDir()).then((f) => f.filter((x) => x.endsWith(".webp")).length)).toBeGreaterThanOrEqual(0);
    expect((await fail(readProjectIcon({ db: db() }, p.id))).status).toBe(404);
  });

  it("refuses a non-image, an SVG, an oversized file and a truncated image with a 4xx, writing nothing", async () => {
    const admin = await as("admin");
    const p = await insertProject(db(), { slug: slug() });
    const filesBefore = await fs.readdir(iconsDir()).catch(() => []);
    const good = await png(40, 40);
    const cases: [File, number][] = [
      [fileOf(Buffer.from("not an image at all"), "x.png"), 415],
      [fileOf(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), "x.svg", "image/svg+xml"), 415],
      [fileOf(Buffer.alloc(2 * 1024 * 1024 + 1, 1), "big.png"), 413],
      [fileOf(good.subarray(0, good.length - 20), "cut.png"), 400],
      [fileOf(Buffer.alloc(0), "empty.png"), 400],
    ];
    for (const [file, status] of cases) {
      const r = await fail(uploadProjectIcon({ ctx: admin, input: { projectId: p.id }, file }));
      expect(r.status, file.name).toBe(status);
      expect(r.body.error.fields, file.name).toHaveProperty("icon");
    }
    expect((await row(p.id)).iconUrl).toBeNull();
    expect(await fs.readdir(iconsDir()).catch(() => [])).toEqual(filesBefore);
    expect(await auditOf(p.id)).toEqual([]);
    expect((await fail(uploadProjectIcon({ ctx: await as("manager"), input: { projectId: p.id }, file: fileOf(good) }))).status).toBe(403);
    expect((await fail(uploadProjectIcon({ ctx: admin, input: { projectId: 2_000_000_000 }, file: fileOf(good) }))).status).toBe(404);
  });
});

describe("listProjects and getProject", () => {
  it("pages by slug with search, and returns one project with its version", async () => {
    const admin = await as("admin");
    const tag = `list${Date.now().toString(36)}`;
    for (let i = 0; i < 23; i++) await insertProject(db(), { slug: `${tag}-${String(i).padStart(2, "0")}`, title: `List ${i}` });
    const first = await listProjects({ ctx: admin, input: { q: tag } });
    expect(first).toMatchObject({ total: 23, from: 1, prev: null });
    expect(first.items).toHaveLength(20);
    expect(first.items[0].slug).toBe(`${tag}-00`);
    expect(first.appUrl).toMatch(/^http:\/\//);
    const second = await listProjects({ ctx: admin, input: { q: tag, after: first.next! } });
    expect(second.items.map((r) => r.slug)).toEqual([`${tag}-20`, `${tag}-21`, `${tag}-22`]);
    expect(second.from).toBe(21);
    expect((await fail(listProjects({ ctx: admin, input: { after: "forged!" } }))).status).toBe(400);
    const one = await getProject({ ctx: admin, input: { projectId: first.items[0].id } });
    expect(one).toMatchObject({ slug: `${tag}-00`, version: first.items[0].version });
  });
});

describe("branding contrast", () => {
  it("the visitor page's text on any accent reaches WCAG AA (4.5:1)", () => {
    for (let r = 0; r < 256; r += 17) {
      for (let g = 0; g < 256; g += 17) {
        for (let b = 0; b < 256; b += 17) {
          const accent = `#${[r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
          expect(contrastRatio(accent, accentForeground(accent)), accent).toBeGreaterThanOrEqual(4.5);
        }
      }
    }
    expect(contrastRatio("#ffffff", "#000000")).toBeCloseTo(21, 5);
    expect(accentForeground("#ffeb3b")).toBe("#000000");
    expect(accentForeground("#1e3a8a")).toBe("#ffffff");
  });
});

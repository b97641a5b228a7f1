import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../../lib/auth/password";
import { signIn } from "../../lib/auth/sign-in";
import type { Db, DbHandle } from "../client";
import { closeDb, getDbHandle, MIGRATIONS_DIR } from "../client";
import { LEAD_STAGES, leadSource, projects, users } from "../schema";
import { seed } from "../seed";
import { createTestDb } from "../testing";

let h: DbHandle;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "occ-db-"));

beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
  await closeDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function rows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  const res = (await db.execute(query)) as unknown as { rows: T[] };
  return res.rows;
}

const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, "meta", "_journal.json"), "utf8")) as {
  entries: { tag: string }[];
};

describe("migrations", () => {
  it("create every table of the schema", async () => {
    const tables = (
      await rows<{ table_name: string }>(h.db, sql`select table_name from information_schema.tables where table_schema = 'public'`)
    ).map((r) => r.table_name);
    for (const t of [
      "projects",
      "users",
      "staff_presence",
      "visitors",
      "conversations",
      "messages",
      "attachments",
      "leads",
      "lead_notes",
      "blocked_ips",
      "strikes",
      "audit_log",
    ]) {
      expect(tables, t).toContain(t);
    }
  });

  it("record every migration in the journal as applied", async () => {
    const applied = await rows<{ n: number }>(h.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(journal.entries.length).toBeGreaterThan(0);
    expect(applied[0].n).toBe(journal.entries.length);
  });
});

describe("hot-path indexes", () => {
  /** Ordered key columns of every index on a table, with sort direction. */
  async function indexesOf(table: string) {
    const list = await rows<{ indexname: string; indexdef: string }>(
      h.db,
      sql`select indexname, indexdef from pg_indexes where schemaname = 'public' and tablename = ${table}`,
    );
    return list.map((r) => {
      const cols = r.indexdef.slice(r.indexdef.indexOf("(") + 1, r.indexdef.lastIndexOf(")")).split(")")[0];
      return { name: r.indexname, def: r.indexdef, cols: cols.split(",").map((c) => c.trim()) };
    });
  }

  it.each([
    ["messages", ["conversation_id", "created_at", "id"]],
    ["conversations", ["assignee_id", "status", "last_message_at"]],
    ["conversations", ["project_id", "status", "last_message_at"]],
  ] as const)("%s (%s)", async (table, cols) => {
    const idx = await indexesOf(table);
    const match = idx.find((i) => i.cols.join(",") === cols.join(","));
    expect(match, `no index on ${table} (${cols.join(", ")}); have: ${idx.map((i) => i.def).join(" | ")}`).toBeDefined();
    // Ascending, so "ORDER BY … DESC" scans it backwards instead of sorting (STACK-NOTES pitfall 5).
    expect(match!.def).not.toMatch(/DESC|NULLS/i);
    expect(match!.def).not.toMatch(/\bWHERE\b/i);
  });

  // The CRM's stage filter and source tabs: partial, so a filter never walks other leads (bench/leads-table.ts).
  it("leads: a (created_at, id) index per stage and per source", async () => {
    const idx = await indexesOf("leads");
    for (const [col, values] of [["stage", LEAD_STAGES], ["source", leadSource.enumValues]] as const) {
      for (const v of values) {
        const match = idx.find((i) => i.cols.join(",") === "created_at,id" && i.def.includes(`WHERE (${col} = '${v}'::lead_${col})`));
        expect(match, `no index on leads (created_at, id) where ${col} = '${v}'`).toBeDefined();
        expect(match!.def).not.toMatch(/DESC|NULLS/i);
      }
    }
  });
});

describe("seed", () => {
  const env = { adminEmail: "owner@example.test", adminPassword: "first-password-123", adminPasswordGenerated: true };

  it("first run creates the default project and the admin", async () => {
    const r = await seed(h.db, env);
    expect(r).toMatchObject({ createdProject: true, createdAdmin: true, adminEmail: env.adminEmail, adminPassword: env.adminPassword });
    const ps = await h.db.select().from(projects);
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ slug: "default", isDefault: true });
    const admins = await h.db.select().from(users).where(eq(users.role, "admin"));
    expect(admins).toHaveLength(1);
    expect(admins[0].email).toBe(env.adminEmail);
    expect(await verifyPassword(env.adminPassword, admins[0].passwordHash)).toBe(true);
    const u = await signIn({ db: h.db, ip: "192.0.2.1", now: new Date(), input: { login: "admin", password: env.adminPassword } });
    expect(u.id).toBe(admins[0].id);
  });

  it("is idempotent: a second run creates nothing and never overwrites the admin", async () => {
    const [before] = await h.db.select().from(users).where(eq(users.role, "admin"));
    const r = await seed(h.db, { adminEmail: "someone-else@example.test", adminPassword: "second-password-456", adminPasswordGenerated: false });
    expect(r.createdProject).toBe(false);
    expect(r.createdAdmin).toBe(false);
    expect(r.adminPassword).toBeUndefined();
    expect(await h.db.select().from(projects)).toHaveLength(1);
    const admins = await h.db.select().from(users).where(eq(users.role, "admin"));
    expect(admins).toHaveLength(1);
    expect(admins[0]).toEqual(before);
    expect(await verifyPassword("first-password-123", admins[0].passwordHash)).toBe(true);
    expect(await verifyPassword("second-password-456", admins[0].passwordHash)).toBe(false);
  });

  it("a configured (not generated) password is never echoed back", async () => {
    const other = await createTestDb();
    try {
      const r = await seed(other.db, { adminEmail: "a@example.test", adminPassword: "configured-pw-1", adminPasswordGenerated: false });
      expect(r.createdAdmin).toBe(true);
      expect(r.adminPassword).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe("getDbHandle (PGlite in DATA_DIR)", () => {
  it("opens one shared instance per process, and keeps data across a reopen", async () => {
    process.env.DATA_DIR = dataDir;
    delete process.env.DATABASE_URL;
    const [a, b] = await Promise.all([getDbHandle(), getDbHandle()]);
    expect(a).toBe(b);
    expect(a.kind).toBe("pglite");
    expect(fs.existsSync(path.join(dataDir, "pglite"))).toBe(true);
    await a.db.insert(projects).values({ slug: "kept", title: "Kept" });
    await closeDb();

    const c = await getDbHandle();
    expect(c).not.toBe(a);
    expect(c.instanceId).not.toBe(a.instanceId);
    const kept = await c.db.select().from(projects).where(eq(projects.slug, "kept"));
    expect(kept).toHaveLength(1);
    // Reopening applied no migration twice.
    const applied = await rows<{ n: number }>(c.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(applied[0].n).toBe(journal.entries.length);
  });
});

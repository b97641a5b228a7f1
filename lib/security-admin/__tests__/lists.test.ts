import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { blockedIps, strikes, type StaffRole, type users } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createStaff, staffCtxFor } from "../../../tests/factories";
import { parseEnv } from "../../env";
import { describeError } from "../../errors";
import { setSingleton } from "../../singleton";
import { refreshIpBlocks } from "../../security/ip-blocks";
import { blockAddress, getSecuritySettings, listBlocks, listStrikes, updateStrikeSettings } from "..";

/** The Security page's lists: blocked addresses and recent strikes. Fixed clock; real database. */
let h: DbHandle;
type User = typeof users.$inferSelect;
const staff: Partial<Record<StaffRole, User>> = {};
const T0 = new Date("2026-05-01T12:00:00.000Z").getTime();
const MIN = 60_000;
const at = (ms = 0) => new Date(T0 + ms);
const ctx = (role: StaffRole, now = at()) => ({ ...staffCtxFor(h.db, staff[role]!, now), ip: "192.0.2.250" });

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-secadmin-lists"), SESSION_SECRET: "a".repeat(40) } as unknown as NodeJS.ProcessEnv));
  setSingleton("rate-limiters", undefined);
  h = await createTestDb();
  for (const role of ["admin", "manager", "agent", "qa"] as const) staff[role] = await createStaff(h.db, { role });
});
afterEach(async () => {
  await h.db.delete(blockedIps);
  await h.db.delete(strikes);
  await refreshIpBlocks(h.db, at());
});
afterAll(async () => {
  setSingleton("env", undefined);
  await h?.close();
});

const status = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (err) {
    return describeError(err).status;
  }
};

/** A block row as the strike rules or an operator left it, created at T0 + `min` minutes. */
async function seedBlock(address: string, o: { min: number; source?: "manual" | "auto"; rule?: "login" | "upload"; expiresMin?: number | null; operatorId?: number }) {
  const [row] = await h.db
    .insert(blockedIps)
    .values({
      address,
      reason: `reason ${address}`,
      source: o.source ?? "manual",
      rule: o.rule ?? null,
      expiresAt: o.expiresMin == null ? null : at(o.expiresMin * MIN),
      operatorId: o.operatorId ?? null,
      createdAt: at(o.min * MIN),
    })
    .returning();
  return row;
}

describe("listBlocks", () => {
  it("is for admins and managers (security.view): agents and QA get 403", async () => {
    for (const role of ["admin", "manager"] as const) expect(await status(listBlocks({ ctx: ctx(role), input: {} }))).toBe(200);
    for (const role of ["agent", "qa"] as const) expect(await status(listBlocks({ ctx: ctx(role), input: {} }))).toBe(403);
  });

  it("lists manual and automatic blocks newest first, with rule, expiry, operator and reason; filters by status, source and address", async () => {
    await seedBlock("203.0.113.1", { min: -30, source: "auto", rule: "login", expiresMin: 10 });
    await seedBlock("203.0.113.2", { min: -20, source: "auto", rule: "upload", expiresMin: -5 });
    await seedBlock("198.51.100.0/24", { min: -10, operatorId: staff.admin!.id });
    const made = await blockAddress({ ctx: ctx("manager", at(-5 * MIN)), input: { address: "2001:db8:5:6::/64", reason: "spam" } });
    expect(made.result.created).toBe(true);

    const active = await listBlocks({ ctx: ctx("admin"), input: {} });
    expect(active.items.map((r) => r.address)).toEqual(["2001:db8:5:6::/64", "198.51.100.0/24", "203.0.113.1"]);
    expect(active.total).toBe(3);
    const auto = active.items[2];
    expect(auto).toMatchObject({ source: "auto", rule: "login", active: true, operator: null, reason: "reason 203.0.113.1", expiresAt: at(10 * MIN).toISOString() });
    expect(active.items[1]).toMatchObject({ source: "manual", rule: null, expiresAt: null, operator: { id: staff.admin!.id, name: staff.admin!.displayName } });
    expect(active.items[0]).toMatchObject({ operator: { id: staff.manager!.id }, reason: "spam" });

    const expired = await listBlocks({ ctx: ctx("admin"), input: { status: "expired" } });
    expect(expired.items.map((r) => [r.address, r.active, r.canUnblock])).toEqual([["203.0.113.2", false, false]]);
    expect((await listBlocks({ ctx: ctx("admin"), input: { status: "all" } })).total).toBe(4);
    expect((await listBlocks({ ctx: ctx("admin"), input: { status: "all", source: "auto" } })).items.map((r) => r.address)).toEqual(["203.0.113.2", "203.0.113.1"]);
    expect((await listBlocks({ ctx: ctx("admin"), input: { status: "all", rule: "upload" } })).items.map((r) => r.address)).toEqual(["203.0.113.2"]);
    expect((await listBlocks({ ctx: ctx("admin"), input: { q: "2001:DB8" } })).items.map((r) => r.address)).toEqual(["2001:db8:5:6::/64"]);
    // A LIKE wildcard in the search is a character, not a pattern.
    expect((await listBlocks({ ctx: ctx("admin"), input: { q: "%" } })).total).toBe(0);
  });

  it("says per row who may lift it: a manager a single client, not a range", async () => {
    await seedBlock("203.0.113.9", { min: -2 });
    await seedBlock("198.51.100.0/24", { min: -1 });
    const asManager = await listBlocks({ ctx: ctx("manager"), input: {} });
    expect(asManager.items.map((r) => [r.address, r.canUnblock])).toEqual([
      ["198.51.100.0/24", false],
      ["203.0.113.9", true],
    ]);
    const asAdmin = await listBlocks({ ctx: ctx("admin"), input: {} });
    expect(asAdmin.items.every((r) => r.canUnblock)).toBe(true);
  });

  it("pages by keyset both ways, rows created in the same millisecond included", async () => {
    // 45 blocks, three per minute-tick and every third pair sharing a created_at: (created_at, id) must order them.
    for (let i = 0; i < 45; i++) await seedBlock(`203.0.113.${i + 1}`, { min: -Math.floor(i / 3) });
    const seen: string[] = [];
    let page = await listBlocks({ ctx: ctx("admin"), input: { limit: "20" } });
    expect([page.total, page.from, page.prev]).toEqual([45, 1, null]);
    const pages = [page];
    while (page.next) {
      seen.push(...page.items.map((r) => r.address));
      page = await listBlocks({ ctx: ctx("admin"), input: { limit: 20, after: page.next } });
      pages.push(page);
    }
    seen.push(...page.items.map((r) => r.address));
    expect(pages.map((p) => [p.from, p.items.length])).toEqual([
      [1, 20],
      [21, 20],
      [41, 5],
    ]);
    expect(new Set(seen).size).toBe(45);
    const back = await listBlocks({ ctx: ctx("admin"), input: { limit: 20, before: pages[2].prev! } });
    expect(back.items.map((r) => r.id)).toEqual(pages[1].items.map((r) => r.id));
    expect(back.from).toBe(21);
  });

  it("refuses bad filters and forged cursors with 400, never a query", async () => {
    for (const input of [{ status: "gone" }, { source: "robot" }, { rule: "x" }, { q: "x".repeat(65) }, { after: "bm90LWEtY3Vyc29y" }, { limit: "7" }, { sort: "address" }]) {
      expect(await status(listBlocks({ ctx: ctx("admin"), input })), JSON.stringify(input)).toBe(400);
    }
  });
});

describe("listStrikes", () => {
  const strike = (ip: string, rule: "login" | "upload" | "rate_limit", min: number, pending = false) => h.db.insert(strikes).values({ ip, rule, createdAt: at(min * MIN), pending });

  it("is for admins and managers (security.view)", async () => {
    for (const role of ["admin", "manager"] as const) expect(await status(listStrikes({ ctx: ctx(role), input: {} }))).toBe(200);
    for (const role of ["agent", "qa"] as const) expect(await status(listStrikes({ ctx: ctx(role), input: {} }))).toBe(403);
  });

  it("groups strikes by rule and client, counts what is inside each rule's window, and sums up each rule", async () => {
    // Login window: 10 minutes by default. Two inside it, one before it.
    await strike("203.0.113.5", "login", -2);
    await strike("203.0.113.5", "login", -9);
    await strike("203.0.113.5", "login", -15);
    await strike("2001:db8:1:2::/64", "login", -1);
    // In flight: not a failure yet.
    await strike("203.0.113.8", "login", -1, true);
    await strike("203.0.113.5", "upload", -3);
    await seedBlock("203.0.113.99", { min: -1, source: "auto", rule: "upload", expiresMin: 60 });
    await seedBlock("2001:db8:1:2::/64", { min: -1 });

    const page = await listStrikes({ ctx: ctx("manager"), input: {} });
    expect(page.items.map((g) => [g.rule, g.address, g.total, g.inWindow, g.blocked])).toEqual([
      ["login", "2001:db8:1:2::/64", 1, 1, true],
      ["login", "203.0.113.5", 3, 2, false],
      ["upload", "203.0.113.5", 1, 1, false],
    ]);
    expect(page.items[1]).toMatchObject({ firstAt: at(-15 * MIN).toISOString(), lastAt: at(-2 * MIN).toISOString() });
    const login = page.rules.find((r) => r.rule === "login")!;
    expect(login).toMatchObject({ strikes: 3, clients: 2, activeBlocks: 0, limit: 5, windowMinutes: 10 });
    expect(page.rules.find((r) => r.rule === "upload")).toMatchObject({ strikes: 1, clients: 1, activeBlocks: 1 });
    expect(page.rules.map((r) => r.rule).sort()).toEqual(["login", "rate_limit", "scanner", "upload"]);

    // The window follows the stored thresholds.
    await updateStrikeSettings({ ctx: ctx("admin"), input: { login: { windowMinutes: 20 } } });
    const wider = await listStrikes({ ctx: ctx("admin"), input: { rule: "login", q: "203.0" } });
    expect(wider.items.map((g) => [g.address, g.inWindow])).toEqual([["203.0.113.5", 3]]);
    await updateStrikeSettings({ ctx: ctx("admin"), input: { login: { windowMinutes: 10 } } });
  });

  it("pages the groups by keyset, forward and back", async () => {
    for (let i = 0; i < 25; i++) await strike(`198.51.100.${i + 1}`, "rate_limit", -(i % 5));
    const one = await listStrikes({ ctx: ctx("admin"), input: { limit: 20 } });
    expect([one.total, one.items.length, one.from]).toEqual([25, 20, 1]);
    const two = await listStrikes({ ctx: ctx("admin"), input: { limit: 20, after: one.next! } });
    expect([two.items.length, two.from, two.next]).toEqual([5, 21, null]);
    expect(new Set([...one.items, ...two.items].map((g) => g.address)).size).toBe(25);
    const back = await listStrikes({ ctx: ctx("admin"), input: { limit: 20, before: two.prev! } });
    expect(back.items.map((g) => g.address)).toEqual(one.items.map((g) => g.address));
  });

  it("refuses bad filters and forged cursors with 400", async () => {
    for (const input of [{ rule: "scan" }, { after: "eyJvIjowLCJrIjpbMSwyXX0" }, { limit: 5 }]) {
      expect(await status(listStrikes({ ctx: ctx("admin"), input })), JSON.stringify(input)).toBe(400);
    }
  });
});

describe("getSecuritySettings", () => {
  it("shows a manager the thresholds read-only, and says what each role may change", async () => {
    const m = await getSecuritySettings({ ctx: ctx("manager") });
    expect(m.rights).toEqual({ editSettings: false, blockClient: true, blockRange: false });
    expect(m.strikeRules.login.limit).toBe(5);
    expect(m.rateLimits.find((l) => l.name === "signIn")).toMatchObject({ points: 20, seconds: 60 });
    expect((await getSecuritySettings({ ctx: ctx("admin") })).rights).toEqual({ editSettings: true, blockClient: true, blockRange: true });
    expect(await status(updateStrikeSettings({ ctx: ctx("manager"), input: { login: { limit: 6 } } }))).toBe(403);
  });
});

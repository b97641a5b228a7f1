import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { blockedIps, strikes, type StrikeRule } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { isIpBlocked } from "../ip-blocks";
import { DEFAULT_STRIKE_RULES } from "../rules";
import { strikeRuleSettings } from "../security-settings";
import { recordStrike, sweepStrikes } from "../strikes";

const MIN = 60_000;
let h: DbHandle;
let n = 0;
/** A fresh documentation-range address per test, so tests never share counters. */
const nextIp = () => `198.18.${Math.floor(++n / 250)}.${(n % 250) + 1}`;

beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

async function blocksFor(ip: string) {
  return h.db.select().from(blockedIps).where(eq(blockedIps.address, ip));
}
async function strikeCount(ip: string, rule: StrikeRule) {
  return (await h.db.select().from(strikes).where(and(eq(strikes.ip, ip), eq(strikes.rule, rule)))).length;
}

describe("strike rules (product brief, Automatic IP-block system)", () => {
  // Written out independently of lib/security/rules.ts.
  const EXPECTED: Record<StrikeRule, { limit: number; windowMin: number; blockMin: number }> = {
    login: { limit: 5, windowMin: 10, blockMin: 30 },
    scanner: { limit: 50, windowMin: 10, blockMin: 60 },
    upload: { limit: 8, windowMin: 10, blockMin: 120 },
    rate_limit: { limit: 5, windowMin: 10, blockMin: 20 },
  };

  it("has exactly the brief's numbers as its defaults, and applies them while nothing is stored", () => {
    expect(Object.keys(DEFAULT_STRIKE_RULES).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [rule, e] of Object.entries(EXPECTED)) {
      expect(DEFAULT_STRIKE_RULES[rule as StrikeRule]).toEqual({ limit: e.limit, windowMinutes: e.windowMin, blockMinutes: e.blockMin });
      const r = strikeRuleSettings(rule as StrikeRule);
      expect({ rule, limit: r.limit, windowMs: r.windowMs, blockMs: r.blockMs }).toEqual({
        rule,
        limit: e.limit,
        windowMs: e.windowMin * MIN,
        blockMs: e.blockMin * MIN,
      });
      expect(r.reason.length).toBeGreaterThan(0);
    }
  });

  it.each(Object.entries(EXPECTED))("%s: limit-1 strikes do not block, the limit-th blocks for the rule's time", async (rule, e) => {
    const ip = nextIp();
    const base = Date.now();
    for (let i = 0; i < e.limit - 1; i++) {
      expect(await recordStrike(h.db, ip, rule as StrikeRule, new Date(base + i * 1000))).toBe(false);
    }
    expect(await blocksFor(ip)).toHaveLength(0);
    const last = new Date(base + (e.limit - 1) * 1000);
    expect(await recordStrike(h.db, ip, rule as StrikeRule, last)).toBe(true);
    const [b] = await blocksFor(ip);
    expect(b.source).toBe("auto");
    expect(b.rule).toBe(rule);
    expect(b.expiresAt!.getTime()).toBe(last.getTime() + e.blockMin * MIN);
  });
});

describe("recordStrike: failed sign-ins", () => {
  it("4 failures don't block; the 5th within 10 minutes blocks for 30 minutes", async () => {
    const ip = nextIp();
    const base = Date.now();
    for (let i = 0; i < 4; i++) {
      expect(await recordStrike(h.db, ip, "login", new Date(base + i * MIN))).toBe(false);
      expect(isIpBlocked(ip, base + i * MIN)).toBe(false);
    }
    const fifth = base + 9 * MIN;
    expect(await recordStrike(h.db, ip, "login", new Date(fifth))).toBe(true);
    expect(isIpBlocked(ip, fifth)).toBe(true);
    expect(isIpBlocked(ip, fifth + 30 * MIN - 1)).toBe(true);
    expect(isIpBlocked(ip, fifth + 30 * MIN)).toBe(false);
    const rows = await blocksFor(ip);
    expect(rows).toHaveLength(1);
    expect(rows[0].expiresAt!.getTime()).toBe(fifth + 30 * MIN);
    expect(rows[0].reason).toMatch(/sign-in/i);
  });

  it("strikes older than the 10-minute window don't count", async () => {
    const ip = nextIp();
    const base = Date.now();
    for (let i = 0; i < 2; i++) expect(await recordStrike(h.db, ip, "login", new Date(base - 11 * MIN))).toBe(false);
    // Exactly 10 minutes old is outside the window too.
    for (let i = 0; i < 2; i++) expect(await recordStrike(h.db, ip, "login", new Date(base - 10 * MIN))).toBe(false);
    expect(await recordStrike(h.db, ip, "login", new Date(base))).toBe(false);
    for (let i = 1; i <= 3; i++) expect(await recordStrike(h.db, ip, "login", new Date(base + i))).toBe(false);
    expect(await blocksFor(ip)).toHaveLength(0);
    // The fifth strike inside the window blocks.
    expect(await recordStrike(h.db, ip, "login", new Date(base + 4))).toBe(true);
    expect(await blocksFor(ip)).toHaveLength(1);
  });

  it("the window rolls: strikes from 9 minutes ago still count", async () => {
    const ip = nextIp();
    const base = Date.now();
    for (let i = 0; i < 3; i++) expect(await recordStrike(h.db, ip, "login", new Date(base - 9 * MIN + i))).toBe(false);
    expect(await recordStrike(h.db, ip, "login", new Date(base))).toBe(false);
    expect(await recordStrike(h.db, ip, "login", new Date(base + 1))).toBe(true);
  });

  it("counts per IP and per rule", async () => {
    const a = nextIp();
    const b = nextIp();
    const base = Date.now();
    for (let i = 0; i < 4; i++) await recordStrike(h.db, a, "login", new Date(base + i));
    // Another IP's failure, and another rule's strike, don't tip `a` over.
    expect(await recordStrike(h.db, b, "login", new Date(base + 10))).toBe(false);
    expect(await recordStrike(h.db, a, "rate_limit", new Date(base + 11))).toBe(false);
    expect(await blocksFor(a)).toHaveLength(0);
    expect(await recordStrike(h.db, a, "login", new Date(base + 12))).toBe(true);
    expect(isIpBlocked(b, base + 12)).toBe(false);
  });

  it("the counter starts afresh after a block", async () => {
    const ip = nextIp();
    const base = Date.now();
    for (let i = 0; i < 5; i++) await recordStrike(h.db, ip, "login", new Date(base + i));
    expect(await strikeCount(ip, "login")).toBe(0);
    expect(await recordStrike(h.db, ip, "login", new Date(base + 100))).toBe(false);
    expect(await strikeCount(ip, "login")).toBe(1);
  });

  it("an empty IP is never struck", async () => {
    expect(await recordStrike(h.db, "", "login")).toBe(false);
    expect(await strikeCount("", "login")).toBe(0);
  });
});

describe("sweepStrikes", () => {
  it("drops strikes older than the longest window and keeps recent ones", async () => {
    const ip = nextIp();
    const base = Date.now();
    await recordStrike(h.db, ip, "scanner", new Date(base - 11 * MIN));
    await recordStrike(h.db, ip, "scanner", new Date(base - 5 * MIN));
    const removed = await sweepStrikes({ db: h.db, now: new Date(base) });
    expect(removed).toBeGreaterThanOrEqual(1);
    const left = await h.db.select().from(strikes).where(eq(strikes.ip, ip));
    expect(left.map((s) => s.createdAt.getTime())).toEqual([base - 5 * MIN]);
  });
});

import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { auditLog, blockedIps, settings, strikes, type StaffRole, type StrikeRule, type users } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createStaff, staffCtxFor } from "../../../tests/factories";
import { parseEnv } from "../../env";
import { describeError } from "../../errors";
import { setSingleton } from "../../singleton";
import { isIpBlocked, refreshIpBlocks } from "../../security/ip-blocks";
import { DEFAULT_STRIKE_RULES } from "../../security/rules";
import { noteSuspicious } from "../../security/scanner";
import { ALLOW_LIST_KEY, isAllowListed, STRIKE_SETTINGS_KEY, strikeRuleSettings } from "../../security/security-settings";
import { claimLoginAttempt, recordStrike, settleLoginAttempt } from "../../security/strikes";
import { blockAddress, getSecuritySettings, unblockAddress, updateAllowList, updateStrikeSettings } from "..";

/**
 * The security administration verbs: strike thresholds as settings, the
 * allow-list, manual blocks of addresses and CIDR ranges. Fixed clock.
 */
let h: DbHandle;
type User = typeof users.$inferSelect;
const staff: Partial<Record<StaffRole, User>> = {};
const T0 = new Date("2026-05-01T12:00:00.000Z").getTime();
const MIN = 60_000;
const at = (ms = 0) => new Date(T0 + ms);
const ctx = (role: StaffRole, opts: { now?: Date; ip?: string } = {}) => ({ ...staffCtxFor(h.db, staff[role]!, opts.now ?? at()), ip: opts.ip });

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-secadmin"), SESSION_SECRET: "a".repeat(40) } as unknown as NodeJS.ProcessEnv));
  setSingleton("rate-limiters", undefined);
  h = await createTestDb();
  for (const role of ["admin", "manager", "agent", "qa"] as const) staff[role] = await createStaff(h.db, { role });
});
afterEach(async () => {
  await h.db.delete(blockedIps);
  await h.db.delete(strikes);
  await h.db.delete(settings);
  await h.db.delete(auditLog);
  await refreshIpBlocks(h.db, at());
});
afterAll(async () => {
  setSingleton("env", undefined);
  await h?.close();
});

const outcome = async (p: Promise<unknown>) => {
  try {
    await p;
    return { status: 200, code: "ok", fields: undefined as Record<string, string> | undefined, message: "" };
  } catch (err) {
    const d = describeError(err);
    return { status: d.status, code: d.body.error.code, fields: d.body.error.fields, message: d.body.error.message };
  }
};
const blockRows = (address: string) => h.db.select().from(blockedIps).where(eq(blockedIps.address, address));
const audits = (action: string) => h.db.select().from(auditLog).where(eq(auditLog.action, action));

describe("who may do what", () => {
  const roles: StaffRole[] = ["admin", "manager", "agent", "qa"];
  const cases: [string, (r: StaffRole) => Promise<unknown>, StaffRole[]][] = [
    ["change thresholds", (r) => updateStrikeSettings({ ctx: ctx(r), input: { login: { limit: 6 } } }), ["admin"]],
    ["change the allow-list", (r) => updateAllowList({ ctx: ctx(r), input: { entries: [] } }), ["admin"]],
    ["read the settings", (r) => getSecuritySettings({ ctx: ctx(r) }), ["admin", "manager"]],
    ["block one visitor", (r) => blockAddress({ ctx: ctx(r), input: { address: `203.0.113.${roles.indexOf(r) + 1}`, reason: "abuse" } }), ["admin", "manager"]],
    ["block a visitor's IPv6 /64", (r) => blockAddress({ ctx: ctx(r), input: { address: `2001:db8:${roles.indexOf(r) + 1}:1::/64`, reason: "abuse" } }), ["admin", "manager"]],
    ["block a range", (r) => blockAddress({ ctx: ctx(r), input: { address: `198.51.${roles.indexOf(r) + 1}.0/24`, reason: "botnet" } }), ["admin"]],
    ["block an IPv6 /48", (r) => blockAddress({ ctx: ctx(r), input: { address: `2001:db8:${roles.indexOf(r) + 10}::/48`, reason: "botnet" } }), ["admin"]],
  ];
  for (const [what, run, allowed] of cases) {
    it.each(roles)(`${what}: %s`, async (role) => {
      const r = await outcome(run(role));
      expect(r.status, r.message).toBe(allowed.includes(role) ? 200 : 403);
    });
  }

  it("lifting a block needs what creating it needed", async () => {
    const one = (await blockAddress({ ctx: ctx("admin"), input: { address: "192.0.2.50", reason: "x" } })).result;
    const range = (await blockAddress({ ctx: ctx("admin"), input: { address: "192.0.2.128/25", reason: "x" } })).result;
    expect((await outcome(unblockAddress({ ctx: ctx("agent"), input: { id: one.id } }))).status).toBe(403);
    expect((await outcome(unblockAddress({ ctx: ctx("manager"), input: { id: range.id } }))).status).toBe(403);
    expect((await outcome(unblockAddress({ ctx: ctx("manager"), input: { id: one.id } }))).status).toBe(200);
    expect((await outcome(unblockAddress({ ctx: ctx("admin"), input: { address: "192.0.2.128/25" } }))).status).toBe(200);
  });
});

describe("updateStrikeSettings", () => {
  it.each([
    [{ login: { limit: 0 } }, "login.limit"],
    [{ login: { limit: 10_001 } }, "login.limit"],
    [{ login: { limit: 2.5 } }, "login.limit"],
    [{ login: { limit: "5" } }, "login.limit"],
    [{ scanner: { windowMinutes: 0 } }, "scanner.windowMinutes"],
    [{ scanner: { windowMinutes: 24 * 60 + 1 } }, "scanner.windowMinutes"],
    [{ upload: { blockMinutes: 0 } }, "upload.blockMinutes"],
    [{ upload: { blockMinutes: 30 * 24 * 60 + 1 } }, "upload.blockMinutes"],
    [{ rate_limit: { limit: -1 } }, "rate_limit.limit"],
    [{ login: { limit: 5, extra: 1 } }, "login"],
    [{ sqli: { limit: 5 } }, "_"],
    [{}, "_"],
    [{ login: {} }, "_"],
  ])("refuses %j with a 400 naming the field", async (input, field) => {
    const r = await outcome(updateStrikeSettings({ ctx: ctx("admin"), input }));
    expect(r.status).toBe(400);
    expect(Object.keys(r.fields ?? {})).toContain(field);
    expect(await h.db.select().from(settings)).toHaveLength(0);
  });

  it("accepts the bounds themselves", async () => {
    const r = await updateStrikeSettings({
      ctx: ctx("admin"),
      input: { login: { limit: 1, windowMinutes: 1, blockMinutes: 1 }, scanner: { limit: 10_000, windowMinutes: 1440, blockMinutes: 43_200 } },
    });
    expect(r.result.login).toEqual({ limit: 1, windowMinutes: 1, blockMinutes: 1 });
    expect(r.result.scanner).toEqual({ limit: 10_000, windowMinutes: 1440, blockMinutes: 43_200 });
  });

  it("merges a partial change, applies it at once in this process, and audits each number that changed", async () => {
    const { result } = await updateStrikeSettings({ ctx: ctx("admin"), input: { login: { limit: 3, blockMinutes: 45 } } });
    expect(result.login).toEqual({ limit: 3, windowMinutes: 10, blockMinutes: 45 });
    expect(result.upload).toEqual(DEFAULT_STRIKE_RULES.upload);
    expect(strikeRuleSettings("login")).toMatchObject({ limit: 3, windowMs: 10 * MIN, blockMs: 45 * MIN, reason: "3 failed sign-ins in 10 minutes" });
    const [a] = await audits("security.settings_updated");
    expect(a).toMatchObject({
      actorId: staff.admin!.id,
      data: { key: STRIKE_SETTINGS_KEY, changes: { "login.limit": { from: 5, to: 3 }, "login.blockMinutes": { from: 30, to: 45 } } },
    });
    // Nothing changed: nothing written, nothing audited.
    await updateStrikeSettings({ ctx: ctx("admin"), input: { login: { limit: 3 } } });
    expect(await audits("security.settings_updated")).toHaveLength(1);
  });

  it("the read function shows each rule with its default", async () => {
    await updateStrikeSettings({ ctx: ctx("admin"), input: { upload: { limit: 4 } } });
    const view = await getSecuritySettings({ ctx: ctx("admin") });
    expect(view.strikeRules.upload).toMatchObject({ limit: 4, windowMinutes: 10, blockMinutes: 120, defaults: DEFAULT_STRIKE_RULES.upload, reason: "4 bad uploads in 10 minutes" });
    expect(view.strikeRules.login).toMatchObject({ ...DEFAULT_STRIKE_RULES.login, defaults: DEFAULT_STRIKE_RULES.login });
    expect(view.allowList).toEqual([]);
  });

  it("a change made on another instance applies here at the next block-list refresh", async () => {
    await h.db.insert(settings).values({ key: STRIKE_SETTINGS_KEY, value: { rate_limit: { limit: 2, windowMinutes: 5, blockMinutes: 7 } } });
    expect(strikeRuleSettings("rate_limit").limit).toBe(5);
    await refreshIpBlocks(h.db, at());
    expect(strikeRuleSettings("rate_limit")).toMatchObject({ limit: 2, windowMs: 5 * MIN, blockMs: 7 * MIN });
    // The other rules keep the brief's numbers.
    expect(strikeRuleSettings("login").limit).toBe(5);
  });

  it("a stored value that doesn't parse falls back to the defaults instead of breaking anything", async () => {
    await h.db.insert(settings).values({ key: STRIKE_SETTINGS_KEY, value: { login: { limit: -3 }, upload: { limit: 4, windowMinutes: 10, blockMinutes: 60 } } });
    await refreshIpBlocks(h.db, at());
    expect(strikeRuleSettings("login").limit).toBe(5);
    // Rule by rule: the valid one still applies.
    expect(strikeRuleSettings("upload")).toMatchObject({ limit: 4, blockMs: 60 * MIN });
    await h.db.update(settings).set({ value: "nonsense" }).where(eq(settings.key, STRIKE_SETTINGS_KEY));
    await refreshIpBlocks(h.db, at());
    expect(strikeRuleSettings("upload").limit).toBe(8);
  });

  /**
   * Two admins change different rules at the same moment: each is a
   * read-modify-write of one JSON value. On PostgreSQL, without the lock on
   * the settings key, both read the old value and the second write loses the
   * first's change; PGlite runs them one after the other anyway.
   */
  it("two concurrent changes to different rules both survive", async () => {
    await Promise.all([
      updateStrikeSettings({ ctx: ctx("admin"), input: { login: { limit: 7 } } }),
      updateStrikeSettings({ ctx: ctx("admin"), input: { scanner: { limit: 70 } } }),
      updateStrikeSettings({ ctx: ctx("admin"), input: { upload: { limit: 9 } } }),
      updateStrikeSettings({ ctx: ctx("admin"), input: { rate_limit: { limit: 11 } } }),
    ]);
    const view = await getSecuritySettings({ ctx: ctx("admin") });
    expect([view.strikeRules.login.limit, view.strikeRules.scanner.limit, view.strikeRules.upload.limit, view.strikeRules.rate_limit.limit]).toEqual([7, 70, 9, 11]);
  });
});

describe("each rule at both sides of a changed threshold", () => {
  let n = 0;
  const nextIp = () => `198.18.${20 + Math.floor(n / 250)}.${(++n % 250) + 1}`;
  const CHANGED: Record<StrikeRule, { limit: number; windowMinutes: number; blockMinutes: number }> = {
    login: { limit: 2, windowMinutes: 3, blockMinutes: 4 },
    scanner: { limit: 4, windowMinutes: 2, blockMinutes: 9 },
    upload: { limit: 3, windowMinutes: 1, blockMinutes: 11 },
    rate_limit: { limit: 7, windowMinutes: 30, blockMinutes: 2 },
  };
  const strike = (ip: string, rule: StrikeRule, now: Date) => (rule === "scanner" ? noteSuspicious(h.db, ip, now) : recordStrike(h.db, ip, rule, now));

  it.each(Object.keys(CHANGED) as StrikeRule[])("%s", async (rule) => {
    const c = CHANGED[rule];
    await updateStrikeSettings({ ctx: ctx("admin"), input: { [rule]: c } });
    // limit-1 strikes, then the limit-th just as the first leaves the window: no block.
    const ip = nextIp();
    for (let i = 0; i < c.limit - 1; i++) expect(await strike(ip, rule, at(i))).toBe(false);
    expect(await strike(ip, rule, at(c.windowMinutes * MIN))).toBe(false);
    expect(await blockRows(ip)).toHaveLength(0);
    // limit strikes inside the window: blocked for the changed time.
    const ip2 = nextIp();
    for (let i = 0; i < c.limit - 1; i++) expect(await strike(ip2, rule, at(i))).toBe(false);
    const last = at(c.windowMinutes * MIN - 1);
    expect(await strike(ip2, rule, last)).toBe(true);
    const [b] = await blockRows(ip2);
    expect(b).toMatchObject({ source: "auto", rule });
    expect(b.expiresAt!.getTime()).toBe(last.getTime() + c.blockMinutes * MIN);
    expect(isIpBlocked(ip2, last.getTime() + c.blockMinutes * MIN - 1)).toBe(true);
    expect(isIpBlocked(ip2, last.getTime() + c.blockMinutes * MIN)).toBe(false);
  });

  it("a lowered sign-in limit blocks an address already past it at its next attempt", async () => {
    const ip = nextIp();
    for (let i = 0; i < 3; i++) await recordStrike(h.db, ip, "login", at(i));
    await updateStrikeSettings({ ctx: ctx("admin"), input: { login: { limit: 2 } } });
    expect(await claimLoginAttempt(h.db, ip, at(10))).toBe("blocked");
    expect(await blockRows(ip)).toHaveLength(1);
  });
});

describe("the allow-list", () => {
  it("refuses malformed and absurd entries, naming each", async () => {
    const r = await outcome(
      updateAllowList({
        ctx: ctx("admin"),
        input: { entries: [{ address: "192.0.2.10" }, { address: "0.0.0.0/0" }, { address: "not an ip" }, { address: "::/0" }] },
      }),
    );
    expect(r.status).toBe(400);
    expect(Object.keys(r.fields!).sort()).toEqual(["entries.1.address", "entries.2.address", "entries.3.address"]);
    expect(r.fields!["entries.1.address"]).toMatch(/too wide/i);
    const tooMany = await outcome(updateAllowList({ ctx: ctx("admin"), input: { entries: Array.from({ length: 101 }, (_, i) => ({ address: `10.0.${i}.1` })) } }));
    expect(tooMany.status).toBe(400);
    const noteTooLong = await outcome(updateAllowList({ ctx: ctx("admin"), input: { entries: [{ address: "10.0.0.1", note: "x".repeat(201) }] } }));
    expect(noteTooLong.fields).toHaveProperty(["entries.0.note"]);
  });

  it("stores canonical entries without duplicates, audits what was added and removed", async () => {
    const { result } = await updateAllowList({
      ctx: ctx("admin"),
      input: { entries: [{ address: "::ffff:192.0.2.10", note: "health checker" }, { address: "192.0.2.10" }, { address: "2001:DB8:AB::/48", note: "office" }] },
    });
    expect(result.entries).toEqual([
      { address: "192.0.2.10", note: "health checker" },
      { address: "2001:db8:ab::/48", note: "office" },
    ]);
    await updateAllowList({ ctx: ctx("admin"), input: { entries: [{ address: "2001:db8:ab::/48", note: "office" }, { address: "198.51.100.0/24" }] } });
    const rows = await audits("security.settings_updated");
    expect(rows.map((r) => r.data)).toEqual([
      { key: ALLOW_LIST_KEY, added: ["192.0.2.10", "2001:db8:ab::/48"], removed: [], notesChanged: [] },
      { key: ALLOW_LIST_KEY, added: ["198.51.100.0/24"], removed: ["192.0.2.10"], notesChanged: [] },
    ]);
    expect((await getSecuritySettings({ ctx: ctx("admin") })).allowList.map((e) => e.address)).toEqual(["2001:db8:ab::/48", "198.51.100.0/24"]);
  });

  it("an allow-listed client is never struck and never blocked automatically", async () => {
    await updateAllowList({ ctx: ctx("admin"), input: { entries: [{ address: "192.0.2.0/28", note: "office" }, { address: "2001:db8:ab::/48" }] } });
    expect(isAllowListed("192.0.2.5")).toBe(true);
    expect(isAllowListed("::ffff:192.0.2.5")).toBe(true);
    expect(isAllowListed("192.0.2.16")).toBe(false);
    for (const ip of ["192.0.2.5", "2001:db8:ab:cd::1"]) {
      for (const rule of ["login", "upload", "rate_limit"] as const) {
        for (let i = 0; i < 20; i++) expect(await recordStrike(h.db, ip, rule, at(i))).toBe(false);
      }
      for (let i = 0; i < 200; i++) expect(await noteSuspicious(h.db, ip, at(i))).toBe(false);
      // Sign-in attempts claim nothing against it.
      for (let i = 0; i < 10; i++) {
        const a = await claimLoginAttempt(h.db, ip, at(i));
        expect(a).toEqual({ strikeId: 0 });
        expect(await settleLoginAttempt(h.db, ip, a as { strikeId: number }, false, at(i))).toBe(false);
      }
      expect(isIpBlocked(ip, T0)).toBe(false);
    }
    expect(await h.db.select().from(strikes)).toHaveLength(0);
    expect(await h.db.select().from(blockedIps)).toHaveLength(0);
    // The neighbour outside the list is struck as usual.
    for (let i = 0; i < 5; i++) await recordStrike(h.db, "192.0.2.16", "login", at(i));
    expect(isIpBlocked("192.0.2.16", T0 + 5)).toBe(true);
  });

  it("wins over a block already in force (manual or automatic), so listing an address lets it in at once", async () => {
    await h.db.insert(blockedIps).values([
      { address: "203.0.113.0/24", reason: "old manual range", source: "manual" },
      { address: "2001:db8:cc:1::/64", reason: "auto", source: "auto", rule: "scanner", expiresAt: at(60 * MIN) },
    ]);
    await refreshIpBlocks(h.db, at());
    expect(isIpBlocked("203.0.113.9", T0)).toBe(true);
    expect(isIpBlocked("2001:db8:cc:1::5", T0)).toBe(true);
    await updateAllowList({ ctx: ctx("admin"), input: { entries: [{ address: "203.0.113.9" }, { address: "2001:db8:cc:1::5" }] } });
    expect(isIpBlocked("203.0.113.9", T0)).toBe(false);
    expect(isIpBlocked("2001:db8:cc:1::5", T0)).toBe(false);
    // The rest of the blocked range stays blocked.
    expect(isIpBlocked("203.0.113.10", T0)).toBe(true);
    expect(isIpBlocked("2001:db8:cc:1::6", T0)).toBe(true);
  });
});

describe("blockAddress", () => {
  it.each([
    ["203.0.113.77", "203.0.113.77", ["203.0.113.77", "::ffff:203.0.113.77"], ["203.0.113.78"]],
    ["::ffff:203.0.113.88", "203.0.113.88", ["203.0.113.88"], ["203.0.113.89"]],
    ["198.51.100.0/24", "198.51.100.0/24", ["198.51.100.1", "198.51.100.255"], ["198.51.101.1"]],
    ["2001:db8:aa:bb::/64", "2001:db8:aa:bb::/64", ["2001:db8:aa:bb::1", "2001:db8:aa:bb:ffff:ffff:ffff:ffff"], ["2001:db8:aa:bc::1"]],
    ["2001:db8:ee::/48", "2001:db8:ee::/48", ["2001:db8:ee:1::1", "2001:db8:ee:ffff::1"], ["2001:db8:ef::1"]],
    ["2001:DB8:0:0::9", "2001:db8::9", ["2001:db8::9", "2001:0db8::0009"], ["2001:db8::8"]],
  ])("%s is stored as %s and refuses exactly its addresses", async (address, stored, inside, outside) => {
    const { result } = await blockAddress({ ctx: ctx("admin"), input: { address, reason: "test" } });
    expect(result).toMatchObject({ address: stored, expiresAt: null, created: true });
    const [row] = await blockRows(stored);
    expect(row).toMatchObject({ source: "manual", reason: "test", operatorId: staff.admin!.id, expiresAt: null });
    for (const ip of inside) expect(isIpBlocked(ip), ip).toBe(true);
    for (const ip of outside) expect(isIpBlocked(ip), ip).toBe(false);
  });

  it.each([
    ["not-an-ip", "address"],
    ["203.0.113.300", "address"],
    ["0.0.0.0/0", "address"],
    ["::/0", "address"],
    ["10.0.0.0/7", "address"],
    ["2001:db8::/31", "address"],
    ["203.0.113.5/24", "address"],
    ["fe80::1%eth0", "address"],
    ["", "address"],
  ])("refuses %j with a 400", async (address, field) => {
    const r = await outcome(blockAddress({ ctx: ctx("admin"), input: { address, reason: "x" } }));
    expect(r.status).toBe(400);
    expect(Object.keys(r.fields ?? {})).toContain(field);
    expect(await h.db.select().from(blockedIps)).toHaveLength(0);
  });

  it("needs a reason; an expiry must be a future ISO time", async () => {
    const cases: [unknown, string][] = [
      [{ address: "192.0.2.1" }, "reason"],
      [{ address: "192.0.2.1", reason: "   " }, "reason"],
      [{ address: "192.0.2.1", reason: "x".repeat(501) }, "reason"],
      [{ address: "192.0.2.1", reason: "x", expiresAt: "tomorrow" }, "expiresAt"],
      [{ address: "192.0.2.1", reason: "x", expiresAt: at(-1).toISOString() }, "expiresAt"],
      [{ address: "192.0.2.1", reason: "x", expiresAt: at(0).toISOString() }, "expiresAt"],
      [{ address: "192.0.2.1", reason: "x", expiresAt: at(11 * 365 * 24 * 60 * MIN).toISOString() }, "expiresAt"],
      [{ address: 42, reason: "x" }, "address"],
      [{ address: "192.0.2.1", reason: "x", source: "auto" }, "_"],
    ];
    for (const [input, field] of cases) {
      const r = await outcome(blockAddress({ ctx: ctx("admin"), input }));
      expect(r.status, JSON.stringify(input)).toBe(400);
      expect(Object.keys(r.fields ?? {}), JSON.stringify(input)).toContain(field);
    }
    expect(await h.db.select().from(blockedIps)).toHaveLength(0);
  });

  it("an expiring block holds until its expiry", async () => {
    const expiresAt = at(90 * MIN);
    const { result } = await blockAddress({ ctx: ctx("manager"), input: { address: "192.0.2.99", reason: "cool off", expiresAt: expiresAt.toISOString() } });
    expect(result.expiresAt!.getTime()).toBe(expiresAt.getTime());
    expect(isIpBlocked("192.0.2.99", T0 + 90 * MIN - 1)).toBe(true);
    expect(isIpBlocked("192.0.2.99", T0 + 90 * MIN)).toBe(false);
  });

  it("is audited with the operator and the reason", async () => {
    const { result } = await blockAddress({ ctx: ctx("manager"), input: { address: "192.0.2.44", reason: "threatening messages" } });
    const [a] = await h.db.select().from(auditLog).where(and(eq(auditLog.action, "ip.block"), eq(auditLog.targetId, "192.0.2.44")));
    expect(a).toMatchObject({
      actorKind: "staff",
      actorId: staff.manager!.id,
      data: { source: "manual", blockId: result.id, reason: "threatening messages", operator: staff.manager!.displayName, expiresAt: null },
    });
  });

  /** The burst makes one row on PostgreSQL only because of the per-address lock (without it, five). */
  it("blocking what is already manually blocked returns that block (one row)", async () => {
    const a = await blockAddress({ ctx: ctx("admin"), input: { address: "192.0.2.45", reason: "one" } });
    const b = await blockAddress({ ctx: ctx("manager"), input: { address: "::ffff:192.0.2.45", reason: "two" } });
    expect(b.result).toMatchObject({ id: a.result.id, created: false });
    expect(await blockRows("192.0.2.45")).toHaveLength(1);
    const burst = await Promise.all(Array.from({ length: 5 }, () => blockAddress({ ctx: ctx("admin"), input: { address: "192.0.2.46", reason: "double click" } })));
    expect(burst.filter((r) => r.result.created)).toHaveLength(1);
    expect(await blockRows("192.0.2.46")).toHaveLength(1);
  });

  it("refuses a block that would cover an allow-listed client (409), leaving nothing behind", async () => {
    await updateAllowList({ ctx: ctx("admin"), input: { entries: [{ address: "192.0.2.200", note: "uptime monitor" }, { address: "2001:db8:77::/48" }] } });
    for (const address of ["192.0.2.200", "192.0.2.0/24", "2001:db8:77:1::/64", "2001:db8::/32"]) {
      const r = await outcome(blockAddress({ ctx: ctx("admin"), input: { address, reason: "x" } }));
      expect(r.status, address).toBe(409);
      expect(r.message, address).toMatch(/allow-list/);
    }
    expect((await outcome(blockAddress({ ctx: ctx("admin"), input: { address: "192.0.2.200", reason: "x" } }))).message).toMatch(/uptime monitor/);
    expect(await h.db.select().from(blockedIps)).toHaveLength(0);
    // A neighbour is fine.
    expect((await outcome(blockAddress({ ctx: ctx("admin"), input: { address: "192.0.2.201", reason: "x" } }))).status).toBe(200);
  });

  it("refuses to block the operator's own address", async () => {
    const r = await outcome(blockAddress({ ctx: ctx("admin", { ip: "198.51.100.23" }), input: { address: "198.51.100.0/24", reason: "oops" } }));
    expect(r).toMatchObject({ status: 409, message: expect.stringMatching(/your own address/) });
    const v6 = await outcome(blockAddress({ ctx: ctx("manager", { ip: "2001:db8:5:6::1" }), input: { address: "2001:db8:5:6::/64", reason: "oops" } }));
    expect(v6.status).toBe(409);
    expect(await h.db.select().from(blockedIps)).toHaveLength(0);
  });
});

describe("unblockAddress", () => {
  it("lifts a manual or automatic block by id or by address, audited, at once", async () => {
    const { result } = await blockAddress({ ctx: ctx("admin"), input: { address: "192.0.2.60", reason: "x" } });
    for (let i = 0; i < 5; i++) await recordStrike(h.db, "192.0.2.61", "login", at(i));
    expect(isIpBlocked("192.0.2.60", T0)).toBe(true);
    expect(isIpBlocked("192.0.2.61", T0 + 5)).toBe(true);
    expect((await unblockAddress({ ctx: ctx("manager"), input: { id: result.id } })).result.unblocked).toEqual([result.id]);
    expect(isIpBlocked("192.0.2.60", T0)).toBe(false);
    await unblockAddress({ ctx: ctx("manager", { now: at(10) }), input: { address: "::ffff:192.0.2.61" } });
    expect(isIpBlocked("192.0.2.61", T0 + 10)).toBe(false);
    const rows = await audits("ip.unblock");
    expect(rows.map((r) => [r.targetId, (r.data as { source: string }).source, r.actorId])).toEqual([
      ["192.0.2.60", "manual", staff.manager!.id],
      ["192.0.2.61", "auto", staff.manager!.id],
    ]);
  });

  it("404 for a block that isn't there; 400 for bad input", async () => {
    expect((await outcome(unblockAddress({ ctx: ctx("admin"), input: { id: 123_456 } }))).status).toBe(404);
    expect((await outcome(unblockAddress({ ctx: ctx("admin"), input: { address: "192.0.2.250" } }))).status).toBe(404);
    expect((await outcome(unblockAddress({ ctx: ctx("admin"), input: { address: "garbage" } }))).status).toBe(400);
    expect((await outcome(unblockAddress({ ctx: ctx("admin"), input: { id: -1 } }))).status).toBe(400);
    expect((await outcome(unblockAddress({ ctx: ctx("admin"), input: { id: 1e12 } }))).status).toBe(400);
    expect((await outcome(unblockAddress({ ctx: ctx("admin"), input: {} }))).status).toBe(400);
  });
});

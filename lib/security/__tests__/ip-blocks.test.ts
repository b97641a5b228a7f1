import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { blockedIps } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { blockIp, isIpBlocked, listActiveBlocks, refreshIpBlocks, unblockIp } from "../ip-blocks";

const MIN = 60_000;
let h: DbHandle;

beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

describe("ip blocks", () => {
  it("nothing is blocked on an empty list", async () => {
    await refreshIpBlocks(h.db);
    expect(isIpBlocked("203.0.113.1")).toBe(false);
    expect(isIpBlocked("")).toBe(false);
    expect(isIpBlocked("garbage")).toBe(false);
  });

  it("blocks a single IPv4 address, in either notation, and nothing next to it", async () => {
    await blockIp(h.db, { address: "203.0.113.5", reason: "test", source: "manual" });
    expect(isIpBlocked("203.0.113.5")).toBe(true);
    expect(isIpBlocked("::ffff:203.0.113.5")).toBe(true);
    expect(isIpBlocked("203.0.113.6")).toBe(false);
    expect(isIpBlocked("203.0.113.50")).toBe(false);
  });

  it("blocks a whole IPv4 CIDR range", async () => {
    await blockIp(h.db, { address: "198.51.100.0/24", reason: "range", source: "manual" });
    expect(isIpBlocked("198.51.100.0")).toBe(true);
    expect(isIpBlocked("198.51.100.1")).toBe(true);
    expect(isIpBlocked("198.51.100.255")).toBe(true);
    expect(isIpBlocked("198.51.101.1")).toBe(false);
    expect(isIpBlocked("198.51.99.255")).toBe(false);
  });

  it("blocks IPv6 addresses and ranges", async () => {
    await blockIp(h.db, { address: "2001:db8:1::/48", reason: "v6 range", source: "manual" });
    await blockIp(h.db, { address: "2001:db8:9::9", reason: "v6", source: "manual" });
    expect(isIpBlocked("2001:db8:1::1")).toBe(true);
    expect(isIpBlocked("2001:db8:1:ffff::1")).toBe(true);
    expect(isIpBlocked("2001:db8:2::1")).toBe(false);
    expect(isIpBlocked("2001:db8:9::9")).toBe(true);
    expect(isIpBlocked("2001:db8:9::8")).toBe(false);
  });

  it("applies in this process at once and survives a reload from the database", async () => {
    await blockIp(h.db, { address: "192.0.2.77", reason: "x", source: "manual" });
    expect(isIpBlocked("192.0.2.77")).toBe(true);
    await refreshIpBlocks(h.db);
    expect(isIpBlocked("192.0.2.77")).toBe(true);
  });

  it("picks up blocks written by another instance on refresh", async () => {
    await h.db.insert(blockedIps).values({ address: "192.0.2.88", reason: "other instance", source: "manual" });
    expect(isIpBlocked("192.0.2.88")).toBe(false);
    await refreshIpBlocks(h.db);
    expect(isIpBlocked("192.0.2.88")).toBe(true);
  });

  it("a malformed row does not break the other blocks", async () => {
    await h.db.insert(blockedIps).values({ address: "not-an-address", reason: "bad", source: "manual" });
    await h.db.insert(blockedIps).values({ address: "10.0.0.0/99", reason: "bad", source: "manual" });
    await refreshIpBlocks(h.db);
    expect(isIpBlocked("203.0.113.5")).toBe(true);
    expect(isIpBlocked("198.51.100.7")).toBe(true);
  });

  it("an expiring block holds until its expiry and not a moment longer", async () => {
    const now = Date.now();
    const expiresAt = new Date(now + 30 * MIN);
    await blockIp(h.db, { address: "192.0.2.10", reason: "auto", source: "auto", rule: "login", expiresAt });
    expect(isIpBlocked("192.0.2.10", now)).toBe(true);
    expect(isIpBlocked("192.0.2.10", now + 30 * MIN - 1)).toBe(true);
    // From the expiry instant on, even the in-memory answer is "not blocked".
    expect(isIpBlocked("192.0.2.10", now + 30 * MIN)).toBe(false);
    expect(isIpBlocked("192.0.2.10", now + 31 * MIN)).toBe(false);
    // Permanent blocks are unaffected by someone else's expiry.
    expect(isIpBlocked("203.0.113.5", now + 31 * MIN)).toBe(true);
  });

  it("a reload at a later time leaves expired rows out", async () => {
    const now = Date.now();
    await blockIp(h.db, { address: "192.0.2.11", reason: "auto", source: "auto", rule: "scanner", expiresAt: new Date(now + 60 * MIN) });
    await refreshIpBlocks(h.db, new Date(now + 59 * MIN));
    expect(isIpBlocked("192.0.2.11", now + 59 * MIN)).toBe(true);
    await refreshIpBlocks(h.db, new Date(now + 61 * MIN));
    expect(isIpBlocked("192.0.2.11", now + 61 * MIN)).toBe(false);
    const active = await listActiveBlocks(h.db, new Date(now + 61 * MIN));
    expect(active.map((b) => b.address)).not.toContain("192.0.2.11");
    expect(active.map((b) => b.address)).toContain("203.0.113.5");
    const before = await listActiveBlocks(h.db, new Date(now + 59 * MIN));
    expect(before.map((b) => b.address)).toContain("192.0.2.11");
  });

  it("a block that is already past its expiry never applies", async () => {
    await blockIp(h.db, { address: "192.0.2.12", reason: "old", source: "auto", expiresAt: new Date(Date.now() - MIN) });
    expect(isIpBlocked("192.0.2.12")).toBe(false);
  });

  it("unblocking lifts the block at once", async () => {
    await blockIp(h.db, { address: "192.0.2.13", reason: "oops", source: "manual" });
    expect(isIpBlocked("192.0.2.13")).toBe(true);
    const [row] = await h.db.select().from(blockedIps).where(eq(blockedIps.address, "192.0.2.13"));
    await unblockIp(h.db, row.id);
    expect(isIpBlocked("192.0.2.13")).toBe(false);
  });
});

describe("reload listeners", () => {
  it("run after every reload, so server.ts can close a newly blocked address's open sockets", async () => {
    const { onIpBlocksRefreshed } = await import("../ip-blocks");
    const seen: boolean[] = [];
    onIpBlocksRefreshed(() => seen.push(isIpBlocked("192.0.2.250")));
    await blockIp(h.db, { address: "192.0.2.250", reason: "listener test", source: "manual" });
    // The listener saw the list with the new block already in it.
    expect(seen.at(-1)).toBe(true);
  });
});

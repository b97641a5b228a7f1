import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { blockedIps } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createStaff, FACTORY_PASSWORD } from "../../../tests/factories";
import { signIn } from "../../auth/sign-in";
import { isAppError } from "../../errors";
import { strikeSubject } from "../client-ip";
import { isIpBlocked } from "../ip-blocks";
import { recordStrike } from "../strikes";

process.env.SESSION_SECRET ??= "strike-race-test-secret-0123456789abcdef0123";
process.env.DATA_DIR ??= "/tmp/occ-strike-race-test";

/**
 * Strikes that hold under concurrency. On PostgreSQL the parallel calls run
 * on separate connections, so without the per-client lock the bursts below
 * check more passwords than the limit and write several block rows; PGlite
 * has one connection, where they run one after the other anyway.
 */
let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

const blocksFor = (address: string) => h.db.select().from(blockedIps).where(eq(blockedIps.address, address));
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e) => (isAppError(e) ? e.code : "error"),
  );

describe("sign-in bursts", () => {
  it("50 parallel wrong passwords from one address: at most 5 are checked, the rest wait or are blocked, one block row", async () => {
    const user = await createStaff(h.db);
    const ip = "198.51.100.77";
    const now = new Date();
    const results = await Promise.all(
      // A password spray: each guess at another account, so only the address's rule is in play (one account's own slowdown: lib/auth).
      Array.from({ length: 50 }, (_, i) => outcome(signIn({ db: h.db, ip, now, input: { login: i === 0 ? user.email : `spray-${i}@example.test`, password: "wrong password" } }))),
    );
    const counts = results.reduce<Record<string, number>>((m, r) => ((m[r] = (m[r] ?? 0) + 1), m), {});
    // Every answer is a clean refusal: wrong password (at most the limit's worth was checked),
    // "too many at once" while the remaining attempts are in flight, or blocked.
    for (const k of Object.keys(counts)) expect(["blocked", "unauthenticated", "rate_limited"]).toContain(k);
    expect((counts.unauthenticated ?? 0) + (counts.blocked ?? 0) > 0).toBe(true);
    expect(counts.unauthenticated ?? 0).toBeLessThanOrEqual(4);
    expect(50 - (counts.rate_limited ?? 0)).toBeGreaterThanOrEqual(5);
    expect(await blocksFor(ip)).toHaveLength(1);
    expect(isIpBlocked(ip)).toBe(true);
  });

  it("50 parallel wrong passwords for one account: at most its 4 free attempts are checked, the rest are told to wait", async () => {
    const user = await createStaff(h.db);
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => outcome(signIn({ db: h.db, ip: `198.51.101.${i + 1}`, now, input: { login: user.email, password: "wrong password" } }))),
    );
    // Without the per-account lock (lib/security/account-throttle.ts) every parallel attempt would see no failures yet and be checked.
    expect(results.filter((r) => r === "unauthenticated")).toHaveLength(4);
    expect(results.filter((r) => r === "rate_limited")).toHaveLength(46);
  });

  it("a correct password in a burst of wrong ones never yields a session once the block has landed", async () => {
    const user = await createStaff(h.db);
    const ip = "198.51.100.78";
    const now = new Date();
    const wrong = Array.from({ length: 30 }, (_, i) => outcome(signIn({ db: h.db, ip, now, input: { login: `spray-${i}@example.test`, password: "nope nope" } })));
    const right = outcome(signIn({ db: h.db, ip, now, input: { login: user.email, password: FACTORY_PASSWORD } }));
    const [rightResult, ...wrongResults] = await Promise.all([right, ...wrong]);
    // A wrong password that was checked answers unauthenticated, or blocked when it was the 5th.
    const checked = wrongResults.filter((r) => r === "unauthenticated").length + (rightResult === "ok" ? 1 : 0);
    // Whatever the interleaving, at most the limit's worth of passwords was checked…
    expect(checked).toBeLessThanOrEqual(5);
    // …the address ends up blocked, and a success happened only before the block (so with fewer than 5 failures).
    expect(await blocksFor(ip)).toHaveLength(1);
    if (rightResult === "ok") expect(wrongResults.filter((r) => r === "unauthenticated").length).toBeLessThan(5);
    expect(["ok", "blocked", "rate_limited"]).toContain(rightResult);
    // And afterwards even the right password is refused.
    expect(await outcome(signIn({ db: h.db, ip, now, input: { login: user.email, password: FACTORY_PASSWORD } }))).toBe("blocked");
  });

  it("parallel upload strikes at the threshold write exactly one block", async () => {
    const ip = "198.51.100.79";
    const now = new Date();
    const results = await Promise.all(Array.from({ length: 12 }, () => recordStrike(h.db, ip, "upload", now)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await blocksFor(ip)).toHaveLength(1);
  });
});

describe("IPv6 clients count by /64", () => {
  it("groups addresses of one /64 and keeps other /64s apart", () => {
    expect(strikeSubject("2001:db8:aa:bb::1")).toBe("2001:db8:aa:bb::/64");
    expect(strikeSubject("2001:0db8:00aa:00bb:ffff:1:2:3")).toBe("2001:db8:aa:bb::/64");
    expect(strikeSubject("[2001:db8:aa:bb::9]")).toBe("2001:db8:aa:bb::/64");
    expect(strikeSubject("2001:db8:aa:bc::1")).toBe("2001:db8:aa:bc::/64");
    expect(strikeSubject("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(strikeSubject("192.0.2.1")).toBe("192.0.2.1");
    expect(strikeSubject("::1")).toBe("0:0:0:0::/64");
  });

  it("five failed sign-ins from five addresses of one /64 block the whole /64", async () => {
    const user = await createStaff(h.db);
    const now = new Date();
    for (let i = 1; i <= 5; i++) {
      const r = await outcome(signIn({ db: h.db, ip: `2001:db8:77:1::${i}`, now, input: { login: `v6-${i}-${user.email}`, password: "wrong" } }));
      expect(r, `attempt ${i}`).toBe(i < 5 ? "unauthenticated" : "blocked");
    }
    expect(await blocksFor("2001:db8:77:1::/64")).toHaveLength(1);
    expect(isIpBlocked("2001:db8:77:1::abcd")).toBe(true);
    expect(isIpBlocked("2001:db8:77:2::1")).toBe(false);
  });
});

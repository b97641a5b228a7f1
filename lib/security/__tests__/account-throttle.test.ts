import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { signInFailures } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { toHttpResponse } from "../../errors";
import {
  accountDelayMs,
  accountKey,
  accountSignInWait,
  accountWaitError,
  accountWaitMessage,
  clearAccountFailures,
  recordAccountFailure,
  releaseAccountClaim,
} from "../account-throttle";
import { sweepStrikes } from "../strikes";

/**
 * Per-account progressive slowdown, on a fixed clock. On PostgreSQL the race
 * test's parallel claims run on separate connections: without the per-account
 * lock every one of them sees no failures and checks a password (it fails
 * there); PGlite has one connection, where they run one after the other anyway.
 */
let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

const S = 1000;
const MIN = 60 * S;
const T0 = new Date("2026-03-01T10:00:00.000Z").getTime();
const at = (ms: number) => new Date(T0 + ms);
let n = 0;
const login = () => `someone${++n}@example.com`;
const rows = (l: string) => h.db.select().from(signInFailures).where(eq(signInFailures.accountKey, accountKey(l)));

/** One failed attempt at `ms`: claim, then settle as a failure (as sign-in does). */
async function fail(l: string, ms: number) {
  const w = await accountSignInWait(h.db, l, at(ms));
  expect(w.waitMs, `attempt at +${ms} ms`).toBe(0);
  await recordAccountFailure(h.db, l, at(ms), w.claim);
}

describe("the delay schedule", () => {
  it("nothing for the first 3 failures, then 1 s doubling to a 60 s cap", () => {
    const expected = [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60];
    expect(expected.map((_, i) => accountDelayMs(i))).toEqual(expected.map((s) => s * S));
    expect(accountDelayMs(1000)).toBe(60 * S);
  });

  it("the user-facing message and a 429 with Retry-After", async () => {
    expect(accountWaitMessage(7_200)).toBe("Too many failed attempts for this account. Try again in 8 seconds.");
    expect(accountWaitMessage(400)).toBe("Too many failed attempts for this account. Try again in 1 second.");
    const res = toHttpResponse(accountWaitError(15_500));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("16");
    expect((await res.json()).error.message).toBe("Too many failed attempts for this account. Try again in 16 seconds.");
  });
});

describe("accountSignInWait / recordAccountFailure / clearAccountFailures", () => {
  it("3 failures: no wait; the 4th: 1 s from it, not a millisecond less", async () => {
    const l = login();
    for (let i = 0; i < 3; i++) await fail(l, i * S);
    // After the 3rd failure the next attempt is free.
    const fourth = 3 * S;
    await fail(l, fourth);
    // After the 4th: 1 s.
    expect((await accountSignInWait(h.db, l, at(fourth))).waitMs).toBe(1000);
    expect((await accountSignInWait(h.db, l, at(fourth + 999))).waitMs).toBe(1);
    // A refusal records nothing.
    expect(await rows(l)).toHaveLength(4);
    await fail(l, fourth + 1000);
    // After the 5th: 2 s.
    expect((await accountSignInWait(h.db, l, at(fourth + 1000 + 1999))).waitMs).toBe(1);
    await fail(l, fourth + 3000);
  });

  it("grows to 60 s and stays there: slowed, never locked out", async () => {
    const l = login();
    let t = 0;
    for (let i = 0; i < 20; i++) {
      const w = await accountSignInWait(h.db, l, at(t));
      if (w.waitMs > 0) t += w.waitMs;
      await fail(l, t);
    }
    expect((await accountSignInWait(h.db, l, at(t))).waitMs).toBe(60 * S);
    expect((await accountSignInWait(h.db, l, at(t + 60 * S - 1))).waitMs).toBe(1);
    // The owner gets their attempt a minute later at most.
    const owner = await accountSignInWait(h.db, l, at(t + 60 * S));
    expect(owner.waitMs).toBe(0);
  });

  it("the same account whatever the case or spaces; existing or not, it's the same key", async () => {
    const l = login();
    for (let i = 0; i < 4; i++) await fail(i % 2 ? l.toUpperCase() : ` ${l} `, i);
    expect((await accountSignInWait(h.db, l, at(3))).waitMs).toBe(1000);
    expect(accountKey("Nobody@Example.com")).toBe(accountKey("nobody@example.com"));
    // Hashed: the table doesn't keep what was typed.
    expect(accountKey("nobody@example.com")).not.toContain("nobody");
    // Another account is untouched.
    expect((await accountSignInWait(h.db, login(), at(3))).waitMs).toBe(0);
  });

  it("failures 15 minutes old or more no longer count (rolling window)", async () => {
    // 5 failures just inside the window and 4 a second ago: 9 count → 32 s after the latest.
    const inside = login();
    for (let i = 0; i < 5; i++) await recordAccountFailure(h.db, inside, at(-15 * MIN + 1));
    for (let i = 0; i < 4; i++) await recordAccountFailure(h.db, inside, at(-S));
    expect((await accountSignInWait(h.db, inside, at(0))).waitMs).toBe(31 * S);
    // The same, with the 5 exactly 15 minutes old: only the 4 recent ones count → 1 s, already over.
    const outside = login();
    for (let i = 0; i < 5; i++) await recordAccountFailure(h.db, outside, at(-15 * MIN));
    for (let i = 0; i < 4; i++) await recordAccountFailure(h.db, outside, at(-S));
    expect((await accountSignInWait(h.db, outside, at(0))).waitMs).toBe(0);
  });

  it("a success clears the account", async () => {
    const l = login();
    for (let i = 0; i < 6; i++) {
      const w = await accountSignInWait(h.db, l, at(i * MIN));
      await recordAccountFailure(h.db, l, at(i * MIN), w.claim);
    }
    expect((await accountSignInWait(h.db, l, at(5 * MIN))).waitMs).toBeGreaterThan(0);
    await clearAccountFailures(h.db, l);
    expect(await rows(l)).toHaveLength(0);
    expect((await accountSignInWait(h.db, l, at(5 * MIN))).waitMs).toBe(0);
  });

  it("a failure without a claim (or whose claim a success cleared) still counts", async () => {
    const l = login();
    for (let i = 0; i < 4; i++) await recordAccountFailure(h.db, l, at(i));
    await recordAccountFailure(h.db, l, at(4), { id: 2_000_000_000 });
    const r = await rows(l);
    expect(r).toHaveLength(5);
    expect(r.every((x) => !x.pending)).toBe(true);
    expect((await accountSignInWait(h.db, l, at(4))).waitMs).toBe(2000);
  });

  it("a released claim (the address was refused before the password check) costs the account nothing", async () => {
    const l = login();
    for (let i = 0; i < 4; i++) {
      const w = await accountSignInWait(h.db, l, at(i));
      expect(w.waitMs).toBe(0);
      await releaseAccountClaim(h.db, w.claim);
    }
    expect(await rows(l)).toHaveLength(0);
    // A settled failure is not released by a stale claim.
    const w = await accountSignInWait(h.db, l, at(10));
    await recordAccountFailure(h.db, l, at(10), w.claim);
    await releaseAccountClaim(h.db, w.claim);
    await releaseAccountClaim(h.db, null);
    expect(await rows(l)).toHaveLength(1);
  });
});

describe("a burst of parallel attempts on one account", () => {
  it("50 at once from anywhere: the same 4 free tries as a sequence, the rest told to wait", async () => {
    const l = login();
    const now = at(0);
    const results = await Promise.all(Array.from({ length: 50 }, () => accountSignInWait(h.db, l, now)));
    const allowed = results.filter((r) => r.waitMs === 0);
    expect(allowed).toHaveLength(4);
    expect(results.filter((r) => r.waitMs === 1000)).toHaveLength(46);
    expect(await rows(l)).toHaveLength(4);
    // They fail; the account waits 1 s.
    await Promise.all(allowed.map((r) => recordAccountFailure(h.db, l, now, r.claim)));
    expect((await rows(l)).filter((x) => x.pending)).toHaveLength(0);
    expect((await accountSignInWait(h.db, l, now)).waitMs).toBe(1000);
  });
});

describe("counters forget after a quiet period", () => {
  it("sweepStrikes also drops account failures older than 15 minutes", async () => {
    const l = login();
    await recordAccountFailure(h.db, l, at(-16 * MIN));
    await recordAccountFailure(h.db, l, at(-14 * MIN));
    await sweepStrikes({ db: h.db, now: at(0) });
    const left = await rows(l);
    expect(left.map((r) => r.failedAt.getTime())).toEqual([T0 - 14 * MIN]);
  });
});

import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { createTestDb } from "../../../db/testing";
import { parseEnv } from "../../env";
import { isAppError } from "../../errors";
import { setSingleton } from "../../singleton";
import { isIpBlocked } from "../ip-blocks";
import { consumeLimit, enforceHttpLimit, limitPoints, RATE_LIMITS, rateLimitStoreReady } from "../rate-limits";

/** Rate limits at both sides of each threshold, per client, in memory and (where configured) in Redis. */
let h: DbHandle;
const useEnv = (over: Record<string, string> = {}) => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-rl"), SESSION_SECRET: "r".repeat(40), ...over } as unknown as NodeJS.ProcessEnv));
  setSingleton("rate-limiters", undefined);
};
beforeAll(async () => {
  h = await createTestDb();
});
afterEach(() => useEnv());
afterAll(async () => {
  setSingleton("env", undefined);
  setSingleton("rate-limiters", undefined);
  await h?.close();
});

let n = 0;
const key = () => `test-${Date.now()}-${++n}`;

describe("limits", () => {
  it("every limit is positive and scaled by RATE_LIMIT_FACTOR", () => {
    useEnv();
    for (const name of Object.keys(RATE_LIMITS) as (keyof typeof RATE_LIMITS)[]) expect(limitPoints(name)).toBe(RATE_LIMITS[name].points);
    useEnv({ RATE_LIMIT_FACTOR: "3" });
    expect(limitPoints("wsSend")).toBe(RATE_LIMITS.wsSend.points * 3);
  });

  it("lets exactly `points` through per client, then refuses with a retry time; another client is unaffected", async () => {
    useEnv();
    const a = key();
    const b = key();
    for (let i = 0; i < RATE_LIMITS.wsSend.points; i++) expect((await consumeLimit("wsSend", a)).ok).toBe(true);
    const over = await consumeLimit("wsSend", a);
    expect(over).toMatchObject({ ok: false, firstHit: true });
    if (!over.ok) expect(over.retryAfterMs).toBeGreaterThan(0);
    expect(await consumeLimit("wsSend", a)).toMatchObject({ ok: false, firstHit: false });
    expect((await consumeLimit("wsSend", b)).ok).toBe(true);
  });
});

describe("HTTP entry points", () => {
  it("answers 429 with Retry-After over the limit; the 5th hit in 10 minutes blocks the address", async () => {
    useEnv();
    const ip = "203.0.113.201";
    const now = new Date();
    for (let i = 0; i < RATE_LIMITS.chatStart.points; i++) await enforceHttpLimit(h.db, "chatStart", ip, now);
    const err = await enforceHttpLimit(h.db, "chatStart", ip, now).catch((e) => e);
    expect(isAppError(err) && err.code).toBe("rate_limited");
    const { toHttpResponse } = await import("../../errors");
    const res = toHttpResponse(err);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(RATE_LIMITS.chatStart.seconds);
    // Only the first hit of a window is a strike: a flood of excess requests is one strike, not thousands.
    for (let i = 0; i < 20; i++) await enforceHttpLimit(h.db, "chatStart", ip, now).catch(() => undefined);
    expect(isIpBlocked(ip)).toBe(false);
    // Four more windows of hits (each a new limiter key: a fresh window for this address) → blocked.
    const limits = await import("../rate-limits");
    for (let w = 0; w < 4; w++) {
      setSingleton("rate-limiters", undefined);
      for (let i = 0; i < RATE_LIMITS.chatStart.points; i++) await limits.enforceHttpLimit(h.db, "chatStart", ip, now);
      const e = await limits.enforceHttpLimit(h.db, "chatStart", ip, now).catch((x) => x);
      expect(isAppError(e) && e.code).toBe(w < 3 ? "rate_limited" : "blocked");
    }
    expect(isIpBlocked(ip)).toBe(true);
  });

  it("counts an IPv6 /64 as one client", async () => {
    useEnv();
    const now = new Date();
    for (let i = 0; i < RATE_LIMITS.signIn.points; i++) await enforceHttpLimit(h.db, "signIn", `2001:db8:5:6::${(i + 1).toString(16)}`, now);
    const err = await enforceHttpLimit(h.db, "signIn", "2001:db8:5:6::ffff", now).catch((e) => e);
    expect(isAppError(err) && err.code).toBe("rate_limited");
    await enforceHttpLimit(h.db, "signIn", "2001:db8:5:7::1", now);
  });
});

describe("a limiter store that goes away", () => {
  it("keeps limiting in memory instead of failing open or failing requests", async () => {
    // Nothing listens on port 1: every Redis call fails at once.
    useEnv({ REDIS_URL: "redis://127.0.0.1:1" });
    const k = key();
    const results = [];
    for (let i = 0; i < RATE_LIMITS.wsTyping.points + 3; i++) results.push((await consumeLimit("wsTyping", k)).ok);
    expect(results.filter(Boolean)).toHaveLength(RATE_LIMITS.wsTyping.points);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
describe.runIf(redisUrl)("limits shared across instances through Redis", () => {
  it("a second instance sees the first one's count", async () => {
    useEnv({ REDIS_URL: redisUrl! });
    expect(await rateLimitStoreReady()).toBe(true);
    const k = key();
    for (let i = 0; i < RATE_LIMITS.wsSend.points - 1; i++) expect((await consumeLimit("wsSend", k)).ok).toBe(true);
    // "Another instance": a new set of limiters with their own Redis connection.
    setSingleton("rate-limiters", undefined);
    expect(await rateLimitStoreReady()).toBe(true);
    expect((await consumeLimit("wsSend", k)).ok).toBe(true);
    expect((await consumeLimit("wsSend", k)).ok).toBe(false);
  });
});

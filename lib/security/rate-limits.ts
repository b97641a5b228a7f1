import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from "rate-limiter-flexible";
import type { Db } from "../../db/client";
import { getEnv } from "../env";
import { AppError } from "../errors";
import { logger } from "../logger";
import { singleton } from "../singleton";
import { strikeSubject } from "./client-ip";
import { RATE_LIMITS, type LimitName } from "./rate-limit-table";
import { rateLimitSetting } from "./security-settings";
import { recordStrike } from "./strikes";

export { RATE_LIMITS, RATE_LIMIT_BOUNDS, type LimitName } from "./rate-limit-table";

type Limiters = Record<LimitName, RateLimiterAbstract> & { store?: Redis; insurance: Partial<Record<LimitName, RateLimiterAbstract>> };

/** A limit's points as set (Security page, else the default) under RATE_LIMIT_FACTOR (at least 1). */
export function limitPoints(name: LimitName, factor = getEnv().rateLimitFactor): number {
  return Math.max(1, Math.round(rateLimitSetting(name).points * factor));
}

/** A limit's window in seconds, as set. */
export function limitSeconds(name: LimitName): number {
  return rateLimitSetting(name).seconds;
}

/**
 * The limiter for `name`, following the settings: a changed limit applies to
 * the next request (rate-limiter-flexible reads points and duration per call;
 * counts already in a window keep their expiry).
 */
function limiter(name: LimitName): RateLimiterAbstract {
  const all = limiters();
  const l = all[name];
  const points = limitPoints(name);
  const duration = limitSeconds(name);
  if (l.points !== points || l.duration !== duration) {
    for (const x of [l, all.insurance[name]]) {
      if (!x) continue;
      x.points = points;
      x.duration = duration;
    }
  }
  return l;
}

/**
 * One limiter per name: in memory on a single instance; in Redis when
 * REDIS_URL is set, so limits hold across instances — with an in-memory
 * insurance limiter that takes over if Redis goes away, so protection
 * degrades to per-instance instead of failing open or failing requests.
 */
function limiters(): Limiters {
  return singleton("rate-limiters", () => {
    const { redisUrl: url, rateLimitFactor } = getEnv();
    let client: Redis | null = null;
    if (url) {
      client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
      client.on("error", (err) => logger.warn({ err }, "rate-limit store unavailable; limiting in memory"));
    }
    const out = { store: client ?? undefined, insurance: {} } as Limiters;
    for (const name of Object.keys(RATE_LIMITS) as LimitName[]) {
      const points = limitPoints(name, rateLimitFactor);
      const duration = limitSeconds(name);
      const memory = new RateLimiterMemory({ keyPrefix: `rl:${name}`, points, duration });
      if (client) out.insurance[name] = memory;
      out[name] = client
        ? new RateLimiterRedis({ storeClient: client, keyPrefix: `occ:rl:${name}`, points, duration, insuranceLimiter: memory, rejectIfRedisNotReady: true })
        : memory;
    }
    return out;
  });
}

/**
 * Wait (at most `timeoutMs`) until the shared store answers. Until then, and
 * whenever it's down, limits count in this instance's memory: server.ts waits
 * at start-up so the first requests already share the store.
 */
export async function rateLimitStoreReady(timeoutMs = 2_000): Promise<boolean> {
  const store = limiters().store;
  if (!store) return true;
  if (store.status === "ready") return true;
  return new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs);
    store.once("ready", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export type LimitResult = { ok: true } | { ok: false; retryAfterMs: number; firstHit: boolean };

const isRes = (e: unknown): e is RateLimiterRes => typeof e === "object" && e !== null && "msBeforeNext" in e && "consumedPoints" in e;

/** Count one request against a limit. `firstHit`: this is the first one over the limit in the current window. */
export async function consumeLimit(name: LimitName, key: string): Promise<LimitResult> {
  try {
    await limiter(name).consume(key);
    return { ok: true };
  } catch (e) {
    if (isRes(e)) return { ok: false, retryAfterMs: e.msBeforeNext, firstHit: e.consumedPoints === limitPoints(name) + 1 };
    // The store itself failed and no insurance answered: let the request through, loudly.
    logger.error({ err: e, name }, "rate limiter failed");
    return { ok: true };
  }
}

/**
 * An HTTP entry point's limit, by client IP: over it, a 429 with Retry-After,
 * and the first hit in a window counts as a `rate_limit` strike (5 in 10
 * minutes → a 20-minute block).
 */
export async function enforceHttpLimit(db: Db, name: LimitName, ip: string, now = new Date()): Promise<void> {
  if (!ip) return;
  const r = await consumeLimit(name, strikeSubject(ip));
  if (r.ok) return;
  if (r.firstHit && (await recordStrike(db, ip, "rate_limit", now))) throw new AppError("blocked", "Blocked.");
  throw new AppError("rate_limited", "Too many requests. Please slow down.", { details: { retryAfterSeconds: Math.ceil(r.retryAfterMs / 1000) } });
}

// ---------------------------------------------------------------------------
// Rolling-window counts (the scanner rule): how many events a client had in
// the last `windowMs`, counted where rate limits count — Redis when shared,
// else this instance's memory — and never in the database, so counting
// every suspicious request costs no write.

type Windows = { map: Map<string, number[]>; warnedAt: number };
/** Clients tracked in memory at most; past it the least recently seen are forgotten (a flood of /64s can't exhaust memory). */
export const MAX_TRACKED_CLIENTS = 20_000;
const windows = () => singleton<Windows>("rolling-windows", () => ({ map: new Map(), warnedAt: 0 }));

function countInMemory(key: string, nowMs: number, windowMs: number, cap: number): number {
  const { map } = windows();
  const cutoff = nowMs - windowMs;
  const times = (map.get(key) ?? []).filter((t) => t > cutoff);
  times.push(nowMs);
  // Only whether `cap` events fall in the window matters: older ones beyond it are noise.
  if (times.length > cap) times.splice(0, times.length - cap);
  map.delete(key);
  map.set(key, times);
  if (map.size > MAX_TRACKED_CLIENTS) map.delete(map.keys().next().value!);
  return times.length;
}

/**
 * Count one event for `key` and return how many fell in the rolling window
 * ending now (this one included), at most `cap`. In Redis: a sorted set per
 * key, pruned and counted in one MULTI, so every instance sees one count.
 * If Redis fails, this instance's memory counts instead.
 */
export async function countInWindow(name: string, key: string, nowMs: number, windowMs: number, cap: number): Promise<number> {
  const store = limiters().store;
  const k = `${name}:${key}`;
  if (store && store.status === "ready") {
    try {
      const rk = `occ:rw:${k}`;
      const res = await store
        .multi()
        .zremrangebyscore(rk, "-inf", nowMs - windowMs)
        .zadd(rk, nowMs, `${nowMs}:${Math.random().toString(36).slice(2)}`)
        .zremrangebyrank(rk, 0, -(cap + 1))
        .zcard(rk)
        .pexpire(rk, windowMs)
        .exec();
      const card = res?.[3]?.[1];
      if (typeof card === "number") return card;
    } catch (err) {
      const w = windows();
      if (nowMs - w.warnedAt > 60_000) {
        w.warnedAt = nowMs;
        logger.warn({ err }, "rolling-window store unavailable; counting in memory");
      }
    }
  }
  return countInMemory(k, nowMs, windowMs, cap);
}

/** Forget `key`'s count (after it has led to a block: the window starts afresh). */
export async function resetWindow(name: string, key: string): Promise<void> {
  const k = `${name}:${key}`;
  windows().map.delete(k);
  const store = limiters().store;
  if (store && store.status === "ready") await store.del(`occ:rw:${k}`).catch(() => undefined);
}

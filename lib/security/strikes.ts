import { and, count, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { blockedIps, strikes, type StrikeRule } from "../../db/schema";
import { audit } from "../audit";
import { systemCtx, withTransaction, type Ctx } from "../ctx";
import { sweepAccountFailures } from "./account-throttle";
import { strikeSubject } from "./client-ip";
import { blockIp, refreshIpBlocks } from "./ip-blocks";
import { isAllowListed, longestStrikeWindowMs, strikeRuleSettings } from "./security-settings";

/*
 * The four strike rules of the product brief. Thresholds come from the
 * security settings (the brief's numbers until an admin changes them), as
 * this process sees them: a change applies within one block-list refresh on
 * every instance. An allow-listed client is never struck.
 */

/**
 * Serialise everything that counts strikes for one subject and rule: the
 * insert, the count and the block decision run one after the other, so a
 * burst can't slip past the threshold or write two block rows.
 */
async function lockSubject(ctx: Ctx, subject: string, rule: StrikeRule) {
  await ctx.db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`strike:${rule}:${subject}`}, 0))`);
}

async function activeBlock(ctx: Ctx, subject: string, now: Date): Promise<boolean> {
  const [row] = await ctx.db
    .select({ id: blockedIps.id })
    .from(blockedIps)
    .where(and(eq(blockedIps.address, subject), or(isNull(blockedIps.expiresAt), gt(blockedIps.expiresAt, now))))
    .limit(1);
  return !!row;
}

/** Strikes of `rule` against `subject` inside the rule's rolling window (settled only, unless `withPending`). */
async function strikesInWindow(ctx: Ctx, subject: string, rule: StrikeRule, now: Date, withPending = false): Promise<number> {
  const since = new Date(now.getTime() - strikeRuleSettings(rule).windowMs);
  const [{ n }] = await ctx.db
    .select({ n: count() })
    .from(strikes)
    .where(and(eq(strikes.ip, subject), eq(strikes.rule, rule), gt(strikes.createdAt, since), withPending ? undefined : eq(strikes.pending, false)));
  return n;
}

/**
 * Block the subject for the rule's duration, audited, and start its window
 * afresh. Exactly one block row: returns false when one is already active.
 */
async function block(ctx: Ctx, subject: string, rule: StrikeRule, now: Date): Promise<boolean> {
  const r = strikeRuleSettings(rule);
  if (await activeBlock(ctx, subject, now)) return false;
  const expiresAt = new Date(now.getTime() + r.blockMs);
  await blockIp(ctx.db, { address: subject, reason: r.reason, source: "auto", rule, expiresAt }, { refresh: false });
  await ctx.db.delete(strikes).where(and(eq(strikes.ip, subject), eq(strikes.rule, rule)));
  await audit(ctx, "ip.block", { type: "ip", id: subject }, { source: "auto", rule, reason: r.reason, expiresAt: expiresAt.toISOString() });
  return true;
}

/**
 * Record one strike against a client (an IPv4 address, or an IPv6 /64);
 * when the rolling window holds the rule's limit, block it for the rule's
 * duration. Atomic per subject and rule. Returns whether this strike blocked it.
 */
export async function recordStrike(db: Db, ip: string, rule: StrikeRule, now = new Date()): Promise<boolean> {
  if (!ip || isAllowListed(ip)) return false;
  const subject = strikeSubject(ip);
  const blocked = await withTransaction(systemCtx(db, `strike:${rule}`, now), async (tx) => {
    await lockSubject(tx, subject, rule);
    await tx.db.insert(strikes).values({ ip: subject, rule, createdAt: now });
    if ((await strikesInWindow(tx, subject, rule, now)) < strikeRuleSettings(rule).limit) return false;
    return block(tx, subject, rule, now);
  });
  // After commit: this instance refuses the client from its next request on (others within one refresh).
  if (blocked) await refreshIpBlocks(db, now);
  return blocked;
}

/**
 * Block a client under `rule` now, when its strikes were counted somewhere
 * cheaper than the database (the scanner rule counts every suspicious
 * request in memory or Redis, and calls this only as the threshold is
 * reached). Under the same lock as `recordStrike`: however many instances
 * call it at once, there is one block row. Returns whether this call blocked.
 */
export async function blockForRule(db: Db, ip: string, rule: StrikeRule, now = new Date()): Promise<boolean> {
  if (!ip || isAllowListed(ip)) return false;
  const subject = strikeSubject(ip);
  const blocked = await withTransaction(systemCtx(db, `strike:${rule}`, now), async (tx) => {
    await lockSubject(tx, subject, rule);
    return block(tx, subject, rule, now);
  });
  if (blocked) await refreshIpBlocks(db, now);
  return blocked;
}

export type LoginAttempt = { strikeId: number };

/**
 * Before a password is checked: claim one of the client's remaining sign-in
 * attempts, as a pending strike written under the subject's lock. Settled
 * failures plus attempts in flight never exceed the rule's limit, so a burst
 * of parallel attempts costs at most that many password checks. Returns
 * "blocked" when the client is blocked, "busy" when its remaining attempts are
 * all in flight (try again in a moment), else the claim. An allow-listed
 * client claims nothing (it is never struck); the per-account slowdown still
 * applies to it.
 */
export async function claimLoginAttempt(db: Db, ip: string, now = new Date()): Promise<LoginAttempt | "blocked" | "busy"> {
  if (!ip || isAllowListed(ip)) return { strikeId: 0 };
  const subject = strikeSubject(ip);
  let blockedNow = false;
  const out = await withTransaction(systemCtx(db, "strike:login", now), async (tx) => {
    await lockSubject(tx, subject, "login");
    if (await activeBlock(tx, subject, now)) return "blocked" as const;
    const limit = strikeRuleSettings("login").limit;
    // The limit was lowered below the failures already counted: that is a block, not a wait.
    if ((await strikesInWindow(tx, subject, "login", now)) >= limit) {
      blockedNow = await block(tx, subject, "login", now);
      return "blocked" as const;
    }
    if ((await strikesInWindow(tx, subject, "login", now, true)) >= limit) return "busy" as const;
    const [row] = await tx.db.insert(strikes).values({ ip: subject, rule: "login", pending: true, createdAt: now }).returning({ id: strikes.id });
    return { strikeId: row.id };
  });
  if (blockedNow) await refreshIpBlocks(db, now);
  return out;
}

/**
 * After the password check: a success gives the claim back; a failure turns
 * it into a strike, and blocks the client when it was the limit-th. Returns
 * whether the client is blocked now (a block that landed while this password
 * was being checked wins over a correct password).
 */
export async function settleLoginAttempt(db: Db, ip: string, attempt: LoginAttempt, ok: boolean, now = new Date()): Promise<boolean> {
  if (!ip || attempt.strikeId === 0) return false;
  const subject = strikeSubject(ip);
  const blocked = await withTransaction(systemCtx(db, "strike:login", now), async (tx) => {
    await lockSubject(tx, subject, "login");
    if (ok) {
      await tx.db.delete(strikes).where(eq(strikes.id, attempt.strikeId));
      return activeBlock(tx, subject, now);
    }
    await tx.db.update(strikes).set({ pending: false }).where(eq(strikes.id, attempt.strikeId));
    if (await activeBlock(tx, subject, now)) return true;
    if ((await strikesInWindow(tx, subject, "login", now)) < strikeRuleSettings("login").limit) return false;
    return block(tx, subject, "login", now);
  });
  if (blocked) await refreshIpBlocks(db, now);
  return blocked;
}

/**
 * Counters forget after a quiet period: drop strikes older than the longest
 * window of any rule, and per-account sign-in failures older than theirs
 * (run by the scheduler). Returns how many rows went.
 */
export async function sweepStrikes({ db, now }: { db: Db; now: Date }): Promise<number> {
  const res = await db
    .delete(strikes)
    .where(lt(strikes.createdAt, new Date(now.getTime() - longestStrikeWindowMs())))
    .returning({ id: strikes.id });
  return res.length + (await sweepAccountFailures(db, now));
}

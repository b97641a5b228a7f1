import { and, count, eq, gt, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { strikes, type StrikeRule } from "../../db/schema";
import { systemCtx, withTransaction } from "../ctx";
import { audit } from "../audit";
import { blockIp } from "./ip-blocks";
import { STRIKE_RULES } from "./rules";

/**
 * Record one strike against an IP; when the rolling window holds `limit`
 * strikes, block the IP for the rule's duration. Returns whether it blocked.
 */
export async function recordStrike(db: Db, ip: string, rule: StrikeRule, now = new Date()): Promise<boolean> {
  if (!ip) return false;
  const r = STRIKE_RULES[rule];
  const since = new Date(now.getTime() - r.windowMs);
  await db.insert(strikes).values({ ip, rule, createdAt: now });
  const [{ n }] = await db
    .select({ n: count() })
    .from(strikes)
    .where(and(eq(strikes.ip, ip), eq(strikes.rule, rule), gt(strikes.createdAt, since)));
  if (n < r.limit) return false;
  const expiresAt = new Date(now.getTime() + r.blockMs);
  await withTransaction(systemCtx(db, `strike:${rule}`, now), async (tx) => {
    await blockIp(tx.db, { address: ip, reason: r.reason, source: "auto", rule, expiresAt });
    // The window starts afresh once the block has been served.
    await tx.db.delete(strikes).where(and(eq(strikes.ip, ip), eq(strikes.rule, rule)));
    await audit(tx, "ip.block", { type: "ip", id: ip }, { source: "auto", rule, expiresAt: expiresAt.toISOString() });
  });
  return true;
}

/** Drop strikes older than the longest window (run by the scheduler). */
export async function sweepStrikes({ db, now }: { db: Db; now: Date }): Promise<number> {
  const longest = Math.max(...Object.values(STRIKE_RULES).map((r) => r.windowMs));
  const res = await db.delete(strikes).where(lt(strikes.createdAt, new Date(now.getTime() - longest))).returning({ id: strikes.id });
  return res.length;
}

import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { blockedIps } from "../../db/schema";
import { audit } from "../audit";
import { assertCan } from "../auth/permissions";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { isSingleClient, parseIpRange, rangesOverlap, type IpRange } from "../security/client-ip";
import { blockIp, refreshIpBlocks } from "../security/ip-blocks";
import { loadSecuritySettings } from "../security/security-settings";
import { noEffects, type VerbResult } from "../verb";

/** A manual block lasts until lifted; an expiry, when given, lies within ten years. */
const MAX_EXPIRY_MS = 10 * 365 * 24 * 3600_000;

export const BlockAddressInput = z
  .object({
    /** An address, an IPv6 /64 or any CIDR range ("203.0.113.7", "2001:db8:1:2::/64", "198.51.100.0/24"). */
    address: z.string().trim().min(1, "Enter an IP address or a CIDR range.").max(64, "That is too long for an address or a range."),
    reason: z.string().trim().min(1, "Say why: the reason goes in the audit log.").max(500, "Keep the reason under 500 characters."),
    /** Omitted or null: until someone lifts it. */
    expiresAt: z
      .union([z.date(), z.iso.datetime({ offset: true, message: "Use an ISO date and time, e.g. 2027-01-31T18:00:00Z." })])
      .transform((v) => (v instanceof Date ? v : new Date(v)))
      .nullable()
      .optional(),
  })
  .strict();

function ownRange(ip: string | undefined): IpRange | null {
  try {
    return ip ? parseIpRange(ip, { lenient: true }) : null;
  } catch {
    return null;
  }
}

export type BlockResult = { id: number; address: string; expiresAt: Date | null; created: boolean };

/**
 * The permission a block of `range` needs: a single visitor (one address,
 * or the IPv6 /64 the strike rules count as one client) is what admins and
 * managers block from a chat in one click (`visitor.block`); a wider range
 * shuts out many people at once and is the admin's call (`security.manage`).
 */
export function blockPermission(range: IpRange) {
  return isSingleClient(range) ? ("visitor.block" as const) : ("security.manage" as const);
}

/**
 * Block an address, an IPv6 /64 or any CIDR range by hand, with the
 * operator and a reason in the audit log; permanent unless `expiresAt`.
 * Refused with a clear 4xx: malformed or absurd addresses (0.0.0.0/0,
 * wider than /8 or /32), an expiry in the past, a range that covers an
 * allow-listed client (the allow-list would override it: take the entry
 * off the allow-list first), or one that covers the operator's own address.
 * Blocking what is already manually blocked returns that block. Applies at
 * once here — open sockets of the address close — and within 5 s elsewhere.
 */
export async function blockAddress({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<BlockResult>> {
  assertCan(ctx.actor, ["visitor.block", "security.manage"]);
  const data = BlockAddressInput.parse(input);
  const range = parseIpRange(data.address);
  assertCan(ctx.actor, blockPermission(range));
  const expiresAt = data.expiresAt ?? null;
  if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= ctx.now.getTime())) {
    throw new AppError("bad_request", "The expiry must be in the future.", { details: { fields: { expiresAt: "The expiry must be in the future." } } });
  }
  if (expiresAt && expiresAt.getTime() - ctx.now.getTime() > MAX_EXPIRY_MS) {
    throw new AppError("bad_request", "Leave the expiry empty for a block that lasts until lifted.", {
      details: { fields: { expiresAt: "At most ten years ahead; leave it empty for a permanent block." } },
    });
  }
  const own = ownRange(ctx.ip);
  if (own && rangesOverlap(range, own)) throw new AppError("conflict", `That would block your own address (${ctx.ip}).`);
  const out = await withTransaction(ctx, async (tx) => {
    // Two clicks on "Block" at once make one block.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`block:${range.text}`}, 0))`);
    for (const e of (await loadSecuritySettings(tx.db)).allowList) {
      let allowed: IpRange;
      try {
        allowed = parseIpRange(e.address, { lenient: true });
      } catch {
        continue;
      }
      if (rangesOverlap(range, allowed)) {
        throw new AppError("conflict", `${range.text} covers ${allowed.text}, which is on the allow-list${e.note ? ` (${e.note})` : ""}. Take it off the allow-list first.`);
      }
    }
    const [existing] = await tx.db
      .select({ id: blockedIps.id, expiresAt: blockedIps.expiresAt })
      .from(blockedIps)
      .where(and(eq(blockedIps.address, range.text), eq(blockedIps.source, "manual"), or(isNull(blockedIps.expiresAt), gt(blockedIps.expiresAt, ctx.now))))
      .limit(1);
    if (existing) return { id: existing.id, address: range.text, expiresAt: existing.expiresAt, created: false };
    const { id } = await blockIp(
      tx.db,
      { address: range.text, reason: data.reason, source: "manual", expiresAt, operatorId: ctx.actor.userId },
      { refresh: false },
    );
    await audit(tx, "ip.block", { type: "ip", id: range.text }, {
      source: "manual",
      blockId: id,
      reason: data.reason,
      operator: ctx.actor.displayName,
      expiresAt: expiresAt ? expiresAt.toISOString() : null,
    });
    return { id, address: range.text, expiresAt, created: true };
  });
  // After commit: refused here from the next request on, and the address's open sockets close.
  if (out.created && !ctx.inTx) await refreshIpBlocks(ctx.db, ctx.now);
  return { result: out, effects: noEffects() };
}

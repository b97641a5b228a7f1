import { and, eq, gt, inArray, isNull, or } from "drizzle-orm";
import { z } from "zod";
import { blockedIps } from "../../db/schema";
import { audit } from "../audit";
import { assertCan } from "../auth/permissions";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { parseIpRange } from "../security/client-ip";
import { refreshIpBlocks } from "../security/ip-blocks";
import { DbIdValue } from "../validation";
import { noEffects, type VerbResult } from "../verb";
import { blockPermission } from "./block-address";

/** One block by its id, or every block in force on exactly this address or range. */
export const UnblockAddressInput = z.union([
  z.object({ id: DbIdValue }).strict(),
  z.object({ address: z.string().trim().min(1, "Enter an IP address or a CIDR range.").max(64) }).strict(),
]);

/**
 * Lift a block — manual or automatic — by its id or its address. The same
 * permission as creating it: `visitor.block` for a single client,
 * `security.manage` for a wider range. Audited per block lifted, with what
 * it was. Applies at once here and within 5 s elsewhere. A block that
 * isn't there (lifted, expired) is a 404.
 */
export async function unblockAddress({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<{ unblocked: number[] }>> {
  assertCan(ctx.actor, ["visitor.block", "security.manage"]);
  const data = UnblockAddressInput.parse(input);
  const ids = await withTransaction(ctx, async (tx) => {
    const active = or(isNull(blockedIps.expiresAt), gt(blockedIps.expiresAt, ctx.now));
    const rows =
      "id" in data
        ? await tx.db.select().from(blockedIps).where(and(eq(blockedIps.id, data.id), active)).for("update")
        : await tx.db.select().from(blockedIps).where(and(eq(blockedIps.address, parseIpRange(data.address, { lenient: true }).text), active)).for("update");
    if (rows.length === 0) throw new AppError("not_found", "No block in force for that.");
    for (const row of rows) {
      let perm: ReturnType<typeof blockPermission> = "security.manage";
      try {
        perm = blockPermission(parseIpRange(row.address, { lenient: true }));
      } catch {
        // A malformed stored row never matched anyone; lifting it is the admin's call.
      }
      assertCan(ctx.actor, perm);
    }
    await tx.db.delete(blockedIps).where(inArray(blockedIps.id, rows.map((r) => r.id)));
    for (const row of rows) {
      await audit(tx, "ip.unblock", { type: "ip", id: row.address }, {
        blockId: row.id,
        source: row.source,
        rule: row.rule,
        reason: row.reason,
        expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
        operator: ctx.actor.displayName,
      });
    }
    return rows.map((r) => r.id);
  });
  if (!ctx.inTx) await refreshIpBlocks(ctx.db, ctx.now);
  return { result: { unblocked: ids }, effects: noEffects() };
}

import { z } from "zod";
import { audit } from "../audit";
import { assertCan } from "../auth/permissions";
import { withTransaction, type StaffCtx } from "../ctx";
import { refreshIpBlocks } from "../security/ip-blocks";
import type { LimitName } from "../security/rate-limit-table";
import { LIMIT_NAMES, loadSecuritySettings, lockSettingsKey, RATE_LIMITS_KEY, RateLimitSchema, writeSetting, type RateLimitSettings } from "../security/security-settings";
import { noEffects, type VerbResult } from "../verb";

/** Any entry point's limit, with either of its two numbers; what is left out keeps its value. */
export const UpdateRateLimitsInput = z
  .object(Object.fromEntries(LIMIT_NAMES.map((n) => [n, RateLimitSchema.partial().strict().optional()])) as Record<
    LimitName,
    z.ZodOptional<z.ZodObject<{ points: z.ZodOptional<z.ZodNumber>; seconds: z.ZodOptional<z.ZodNumber> }>>
  >)
  .strict()
  .refine((i) => LIMIT_NAMES.some((n) => i[n] && Object.keys(i[n]!).length > 0), { message: "Nothing to change." });

/**
 * Change the per-client rate limits (`security.manage`: global
 * configuration): how many requests (or socket frames) each entry point
 * takes per window. Bounds: 1–100,000 per 1 s–24 h, before
 * RATE_LIMIT_FACTOR. Applies to the next request in this process and within
 * one block-list refresh (5 s) on every other instance; counts already in a
 * window keep their expiry. Audited with every number that changed.
 */
export async function updateRateLimits({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<RateLimitSettings>> {
  assertCan(ctx.actor, "security.manage");
  const change = UpdateRateLimitsInput.parse(input);
  const out = await withTransaction(ctx, async (tx) => {
    await lockSettingsKey(tx.db, RATE_LIMITS_KEY);
    const before = (await loadSecuritySettings(tx.db)).rateLimits;
    const after = Object.fromEntries(LIMIT_NAMES.map((n) => [n, { ...before[n], ...change[n] }])) as RateLimitSettings;
    const changes: Record<string, { from: number; to: number }> = {};
    for (const n of LIMIT_NAMES) {
      for (const f of ["points", "seconds"] as const) if (before[n][f] !== after[n][f]) changes[`${n}.${f}`] = { from: before[n][f], to: after[n][f] };
    }
    if (Object.keys(changes).length === 0) return { after, changed: false };
    await writeSetting(tx.db, RATE_LIMITS_KEY, after, { userId: ctx.actor.userId, now: ctx.now });
    await audit(tx, "security.settings_updated", null, { key: RATE_LIMITS_KEY, changes });
    return { after, changed: true };
  });
  if (out.changed && !ctx.inTx) await refreshIpBlocks(ctx.db, ctx.now);
  return { result: out.after, effects: noEffects() };
}

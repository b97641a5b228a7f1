import { z } from "zod";
import type { StrikeRule } from "../../db/schema";
import { audit } from "../audit";
import { assertCan } from "../auth/permissions";
import { withTransaction, type StaffCtx } from "../ctx";
import { refreshIpBlocks } from "../security/ip-blocks";
import { STRIKE_RULE_NAMES, type RuleSettings } from "../security/rules";
import { loadSecuritySettings, lockSettingsKey, RuleSettingsSchema, STRIKE_SETTINGS_KEY, writeSetting, type StrikeSettings } from "../security/security-settings";
import { noEffects, type VerbResult } from "../verb";

/** Any of the four rules, each with any of its three numbers; what is left out keeps its value. */
export const UpdateStrikeSettingsInput = z
  .object(Object.fromEntries(STRIKE_RULE_NAMES.map((r) => [r, RuleSettingsSchema.partial().strict().optional()])) as Record<
    StrikeRule,
    z.ZodOptional<z.ZodObject<{ [K in keyof RuleSettings]: z.ZodOptional<z.ZodNumber> }>>
  >)
  .strict()
  .refine((i) => STRIKE_RULE_NAMES.some((r) => i[r] && Object.keys(i[r]!).length > 0), { message: "Nothing to change." });

/**
 * Change the strike thresholds (`security.manage`): for each rule, how many
 * strikes in how long a window block a client for how long. Bounds: limit
 * 1–10000, window 1 min–24 h, block 1 min–30 days. Applies at once in this
 * process and within one block-list refresh (5 s) on every other instance;
 * blocks already in force keep their expiry. Audited with every number that
 * changed, before and after.
 */
export async function updateStrikeSettings({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<StrikeSettings>> {
  assertCan(ctx.actor, "security.manage");
  const change = UpdateStrikeSettingsInput.parse(input);
  const out = await withTransaction(ctx, async (tx) => {
    await lockSettingsKey(tx.db, STRIKE_SETTINGS_KEY);
    const before = (await loadSecuritySettings(tx.db)).strikeRules;
    const after = Object.fromEntries(STRIKE_RULE_NAMES.map((r) => [r, { ...before[r], ...change[r] }])) as StrikeSettings;
    const changes: Record<string, { from: number; to: number }> = {};
    for (const r of STRIKE_RULE_NAMES) {
      for (const f of ["limit", "windowMinutes", "blockMinutes"] as const) {
        if (before[r][f] !== after[r][f]) changes[`${r}.${f}`] = { from: before[r][f], to: after[r][f] };
      }
    }
    if (Object.keys(changes).length === 0) return { after, changed: false };
    await writeSetting(tx.db, STRIKE_SETTINGS_KEY, after, { userId: ctx.actor.userId, now: ctx.now });
    await audit(tx, "security.settings_updated", null, { key: STRIKE_SETTINGS_KEY, changes });
    return { after, changed: true };
  });
  // After commit (a rolled-back change must not apply): this process at once.
  if (out.changed && !ctx.inTx) await refreshIpBlocks(ctx.db, ctx.now);
  return { result: out.after, effects: noEffects() };
}

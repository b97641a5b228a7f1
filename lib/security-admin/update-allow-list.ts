import { z } from "zod";
import { audit } from "../audit";
import { assertCan } from "../auth/permissions";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { parseIpRange } from "../security/client-ip";
import { refreshIpBlocks } from "../security/ip-blocks";
import { ALLOW_LIST_KEY, AllowEntry, loadSecuritySettings, lockSettingsKey, MAX_ALLOW_LIST, writeSetting } from "../security/security-settings";
import { noEffects, type VerbResult } from "../verb";

export const UpdateAllowListInput = z
  .object({ entries: z.array(AllowEntry).max(MAX_ALLOW_LIST, `At most ${MAX_ALLOW_LIST} entries.`) })
  .strict();

/**
 * Replace the allow-list (`security.manage`): addresses and CIDR ranges —
 * a health checker, the office network — that are never struck and never
 * blocked, not even by a manual block already in force. Each entry is
 * validated like a manual block (no 0.0.0.0/0, nothing wider than /8 or
 * /32) and stored in canonical form; duplicates are dropped. Applies at once
 * here and within 5 s on every instance. Audited with what was added and
 * removed.
 */
export async function updateAllowList({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<{ entries: AllowEntry[] }>> {
  assertCan(ctx.actor, "security.manage");
  const { entries } = UpdateAllowListInput.parse(input);
  const clean: AllowEntry[] = [];
  const seen = new Set<string>();
  const fields: Record<string, string> = {};
  entries.forEach((e, i) => {
    try {
      const r = parseIpRange(e.address);
      if (!seen.has(r.text)) clean.push({ address: r.text, note: e.note });
      seen.add(r.text);
    } catch (err) {
      fields[`entries.${i}.address`] = err instanceof Error ? err.message : "Invalid address.";
    }
  });
  if (Object.keys(fields).length) {
    throw new AppError("bad_request", Object.values(fields)[0], { details: { fields } });
  }
  const out = await withTransaction(ctx, async (tx) => {
    await lockSettingsKey(tx.db, ALLOW_LIST_KEY);
    const before = (await loadSecuritySettings(tx.db)).allowList;
    const was = new Set(before.map((e) => e.address));
    const added = clean.filter((e) => !was.has(e.address)).map((e) => e.address);
    const removed = before.filter((e) => !seen.has(e.address)).map((e) => e.address);
    const notes = clean.filter((e) => was.has(e.address) && before.find((b) => b.address === e.address)!.note !== e.note).map((e) => e.address);
    if (added.length + removed.length + notes.length === 0) return { changed: false };
    await writeSetting(tx.db, ALLOW_LIST_KEY, { entries: clean }, { userId: ctx.actor.userId, now: ctx.now });
    await audit(tx, "security.settings_updated", null, { key: ALLOW_LIST_KEY, added, removed, notesChanged: notes });
    return { changed: true };
  });
  if (out.changed && !ctx.inTx) await refreshIpBlocks(ctx.db, ctx.now);
  return { result: { entries: clean }, effects: noEffects() };
}

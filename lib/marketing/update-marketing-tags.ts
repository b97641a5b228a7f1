import { audit } from "../audit";
import { assertCan, can } from "../auth/permissions";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { lockSettingsKey, writeSetting } from "../security/security-settings";
import { noEffects, type VerbResult } from "../verb";
import { invalidateTags, loadMarketingTags, MARKETING_TAGS_KEY, MarketingTagsInput, tagHosts, type MarketingTags } from "./tags";
import { SNIPPET_MAX_BYTES, snippetBytes } from "./tags-html";

export type MarketingTagsView = MarketingTags & {
  /** The CSP host-sources the tags get, derived from the snippets plus the extra ones. */
  hosts: string[];
  limits: { snippetBytes: number };
  /** The viewer may turn staff pages on, and change the tags while they are on (`marketing.staff_tags`). */
  canStaffPages: boolean;
};

export function tagsView(t: MarketingTags, actor: StaffCtx["actor"]): MarketingTagsView {
  return { ...t, hosts: tagHosts(t), limits: { snippetBytes: SNIPPET_MAX_BYTES }, canStaffPages: can(actor, "marketing.staff_tags") };
}

const kb = (n: number) => `${Math.ceil(n / 1024).toLocaleString("en-US")} KB`;

/**
 * A snippet over 64 KB is refused as too large (413) before anything parses
 * it; each field says its own size.
 */
function assertSizes(input: unknown): void {
  if (typeof input !== "object" || input === null) return;
  const fields: Record<string, string> = {};
  for (const which of ["head", "body"] as const) {
    const v = (input as Record<string, unknown>)[which];
    if (typeof v === "string" && snippetBytes(v) > SNIPPET_MAX_BYTES) {
      fields[which] = `The ${which} snippet is ${kb(snippetBytes(v))}; a snippet may be at most ${kb(SNIPPET_MAX_BYTES)}.`;
    }
  }
  if (Object.keys(fields).length) throw new AppError("payload_too_large", Object.values(fields)[0], { details: { fields } });
}

/**
 * Save the Marketing → Tags setting (`marketing.tags`; anything that would
 * run on staff pages also needs `marketing.staff_tags`): the head and body
 * snippets, the surfaces they run on and the extra CSP hosts. Each snippet
 * is at most 64 KB (413 above) and must be HTML by `snippetProblem`'s rules
 * (400 with the field's reason otherwise). Live on the next page load here;
 * within 5 s on other instances. Audited with what changed (sizes and hosts,
 * not the snippets themselves).
 */
export async function updateMarketingTags({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<MarketingTagsView>> {
  assertCan(ctx.actor, "marketing.tags");
  assertSizes(input);
  const after = MarketingTagsInput.parse(input);
  const changed = await withTransaction(ctx, async (tx) => {
    await lockSettingsKey(tx.db, MARKETING_TAGS_KEY);
    const before = await loadMarketingTags(tx.db);
    const fields = (Object.keys(after) as (keyof MarketingTags)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    if (fields.length === 0) return false;
    // Whatever would run on staff pages (the admin console included) is an admin's call.
    if ((before.staffPages || after.staffPages) && !can(ctx.actor, "marketing.staff_tags")) {
      throw new AppError(
        "forbidden",
        before.staffPages
          ? "Tags run on staff pages, so only an admin may change them. Ask an admin to turn staff pages off first."
          : "Only an admin may run tags on staff pages.",
        { details: { fields: { staffPages: "Only an admin may run tags on staff pages." } } },
      );
    }
    await writeSetting(tx.db, MARKETING_TAGS_KEY, after, { userId: ctx.actor.userId, now: ctx.now });
    await audit(tx, "marketing.tags_updated", null, {
      changed: fields,
      headBytes: snippetBytes(after.head),
      bodyBytes: snippetBytes(after.body),
      visitorPages: after.visitorPages,
      staffPages: after.staffPages,
      hosts: tagHosts(after),
    });
    return true;
  });
  // After the commit: the next page load, here, reads the new tags.
  if (changed) invalidateTags();
  return { result: tagsView(after, ctx.actor), effects: noEffects() };
}

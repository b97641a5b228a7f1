import { assertCan } from "../auth/permissions";
import type { StaffCtx } from "../ctx";
import { loadMarketingTags } from "./tags";
import { tagsView, type MarketingTagsView } from "./update-marketing-tags";

/** The Tags page's view (`marketing.tags`): the setting as stored now (not this process's cached copy) and the hosts it allows. */
export async function getMarketingTags({ ctx }: { ctx: StaffCtx }): Promise<MarketingTagsView> {
  assertCan(ctx.actor, "marketing.tags");
  return tagsView(await loadMarketingTags(ctx.db), ctx.actor);
}

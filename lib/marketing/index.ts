/**
 * Marketing → Tags: the head and body snippets the product's pages carry
 * (tag managers, pixels), their CSP hosts and the per-response nonce stamp.
 */
export { getMarketingTags } from "./get-marketing-tags";
export { updateMarketingTags, type MarketingTagsView } from "./update-marketing-tags";
export { getTags, invalidateTags, tagPolicy, MarketingTagsInput, DEFAULT_TAGS, type LiveTags, type MarketingTags, type TagPolicy } from "./tags";

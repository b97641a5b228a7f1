export { BUCKETS, BUCKET_LABEL, bucketOf, matchesSearch, type Bucket } from "./buckets";
export { listBucket, ListBucketInput, type BucketPage, type InboxItem } from "./list-bucket";
export { bucketCounts, type BucketCounts, type BucketCount } from "./bucket-counts";
export { setStar } from "./set-star";
export { listQuickReplies } from "./list-quick-replies";
export { createQuickReply } from "./create-quick-reply";
export { updateQuickReply } from "./update-quick-reply";
export { deleteQuickReply } from "./delete-quick-reply";
export { MAX_QUICK_REPLIES, QUICK_REPLY_MAX_CHARS, type QuickReplyDTO } from "./quick-reply";

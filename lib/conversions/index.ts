/**
 * Server-side conversions (issue 12): settings, the outbox written by stage
 * changes, the worker, test events. The delivery log's query lives in
 * lib/conversions-admin (it needs lib/console, which the stage verbs that
 * import this folder must not reach).
 */
export { getConversionConfig, updateConversionConfig, DEFAULT_META_EVENT_NAMES, GA4_EVENT_NAMES, META_STANDARD_EVENTS } from "./config";
export { sendTestConversion } from "./send-test-event";
export { conversionJobs, deliverDueConversions } from "./deliver";
export type { LeadStageEvent } from "./lead-event";
export type * from "./types";

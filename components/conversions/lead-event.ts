import type { LeadStageEvent } from "@/lib/conversions/lead-event";

export type { LeadStageEvent };

declare global {
  interface Window {
    /** Google Tag Manager's queue (created here when the page has no GTM container yet: GTM reads what was pushed before it loaded). */
    dataLayer?: unknown[];
  }
}

/** What both stage routes answer: their usual DTO plus the browser copy of the change (null when the stage didn't change). */
export type WithLeadEvent<T> = T & { leadEvent?: LeadStageEvent | null };

/**
 * Tell the page's tags that a lead changed stage: push the event onto
 * `window.dataLayer` (a GTM Custom Event trigger on `lead_stage_changed`) and
 * dispatch the same object as a `CustomEvent` on `document` for scripts
 * without GTM. The event is the server's, unchanged: its `event_id` is the
 * one the server-side outbox sends, so Meta deduplicates the two copies, and
 * `em` / `ph` are already hashed there (the browser never sees more).
 */
export function publishLeadEvent(ev: LeadStageEvent): void {
  (window.dataLayer ||= []).push(ev);
  document.dispatchEvent(new CustomEvent<LeadStageEvent>("lead_stage_changed", { detail: ev }));
}

/** A stage route's answer without its lead event, after publishing the event when there is one. */
export function takeLeadEvent<T extends object>(res: WithLeadEvent<T>): T {
  const { leadEvent, ...dto } = res;
  if (leadEvent) publishLeadEvent(leadEvent);
  return dto as T;
}

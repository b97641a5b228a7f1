import type { LeadStage } from "../../db/schema";

/**
 * The wire contract of Marketing → Conversions (routes under
 * app/api/marketing/conversions, UI under components/back-office/marketing).
 * Secrets never travel back: only their last four characters. No imports
 * but types: the browser reads the constants here too.
 *
 *   GET  /api/marketing/conversions?projectId=N        → ConversionConfigDTO
 *   PUT  /api/marketing/conversions  ConversionConfigUpdate → ConversionConfigDTO
 *   GET  /api/marketing/conversions/events?projectId=&platform=&status=&after=&before=&limit=
 *                                                      → TablePage<ConversionEventDTO> (lib/console/table.ts)
 *   POST /api/marketing/conversions/test {projectId, platform} → ConversionEventDTO (a queued test event)
 *
 * Stage changes: POST /api/chat/conversations/:id/stage and
 * POST /api/crm/leads/:id/stage take `{ stage, value?, currency? }` (value and
 * currency asked for Converted) and answer their usual DTO plus
 * `leadEvent: LeadStageEvent | null` (lib/conversions/lead-event.ts; null when
 * the stage didn't change), which the page pushes onto `window.dataLayer`.
 */
export type ConversionPlatform = "meta" | "ga4";

/** Meta's standard events a lead stage may map to (a custom name is allowed too, see config.ts EventName). */
export const META_STANDARD_EVENTS = ["Lead", "CompleteRegistration", "Contact", "Schedule", "SubmitApplication", "Subscribe", "StartTrial", "Purchase"] as const;

/** Issue 12: Qualified → Lead, Converted → Purchase (with value and currency); the other stages send nothing unless configured. */
export const DEFAULT_META_EVENT_NAMES: Record<LeadStage, string | null> = { new: null, qualified: "Lead", not_qualified: null, converted: "Purchase" };

/**
 * GA4's recommended lead events for a stage change (fixed, not configurable).
 * A lead's creation (generate_lead) is not sent: it happens on the visitor's
 * request, which writes nothing but the chat.
 */
export const GA4_EVENT_NAMES: Record<LeadStage, string | null> = {
  new: null,
  qualified: "qualify_lead",
  not_qualified: "disqualify_lead",
  converted: "close_convert_lead",
};
export type ConversionStatus = "queued" | "sent" | "failed" | "expired";

export type ConversionConfigDTO = {
  projectId: number;
  meta: {
    enabled: boolean;
    pixelId: string | null;
    /** Last four characters of the stored access token, null when none is stored. */
    accessTokenLast4: string | null;
    testEventCode: string | null;
    /** Stage → Meta event name; null = not sent for that stage. */
    eventNames: Record<LeadStage, string | null>;
  };
  ga4: {
    enabled: boolean;
    measurementId: string | null;
    apiSecretLast4: string | null;
  };
  updatedAt: string | null;
};

/** PUT body. A secret field left out keeps the stored one; "" removes it. */
export type ConversionConfigUpdate = {
  projectId: number;
  meta: {
    enabled: boolean;
    pixelId: string | null;
    accessToken?: string;
    testEventCode: string | null;
    eventNames: Record<LeadStage, string | null>;
  };
  ga4: {
    enabled: boolean;
    measurementId: string | null;
    apiSecret?: string;
  };
};

export type ConversionEventDTO = {
  id: number;
  eventId: string;
  platform: ConversionPlatform;
  projectId: number | null;
  leadId: number | null;
  stage: LeadStage;
  eventName: string;
  status: ConversionStatus;
  test: boolean;
  attempts: number;
  lastError: string | null;
  responseCode: number | null;
  occurredAt: string;
  nextAttemptAt: string;
  sentAt: string | null;
  createdAt: string;
};

import { createHash } from "node:crypto";
import type { LeadStage } from "../../db/schema";

/**
 * The browser copy of a lead-stage change: what the page where the stage was
 * changed pushes onto `window.dataLayer` and dispatches as a `CustomEvent`
 * named "lead_stage_changed" on `document` (components/conversions). The
 * stage verbs return it; `event_id` is the same id the server-side outbox
 * sends to Meta and GA4, so Meta deduplicates the pixel's copy. PII only
 * hashed (`em`, `ph`: SHA-256 hex of the normalised value, absent when the
 * lead has none).
 */
export type LeadStageEvent = {
  event: "lead_stage_changed";
  stage: LeadStage;
  lead_id: number;
  event_id: string;
  /** The project's slug. */
  project: string | null;
  /** The display name of the staff member who changed it. */
  agent: string;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  value: number | null;
  currency: string | null;
  em: string | null;
  ph: string | null;
};

/** Meta's rule for emails: trim, lowercase. Empty → null (nothing to send). */
export function normaliseEmail(email: string | null | undefined): string | null {
  const v = (email ?? "").trim().toLowerCase();
  return v === "" ? null : v;
}

/** Meta's rule for phones: digits only, with the country code, no leading zeros (our phones are E.164). */
export function normalisePhone(phone: string | null | undefined): string | null {
  const v = (phone ?? "").replace(/\D/g, "").replace(/^0+/, "");
  return v === "" ? null : v;
}

export function sha256Hex(v: string): string {
  return createHash("sha256").update(v, "utf8").digest("hex");
}

/** SHA-256 of the normalised email / phone, or null when there is none. Never the plain value. */
export function hashedContact(email: string | null | undefined, phone: string | null | undefined): { em: string | null; ph: string | null } {
  const e = normaliseEmail(email);
  const p = normalisePhone(phone);
  return { em: e === null ? null : sha256Hex(e), ph: p === null ? null : sha256Hex(p) };
}

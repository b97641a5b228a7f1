import { createHash, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { conversionEvents, leads, projects, visitorAttributions, type LeadStage } from "../../db/schema";
import type { Ctx, StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { findConversionConfig, GA4_EVENT_NAMES, metaEventNames } from "./config";
import { hashedContact, type LeadStageEvent } from "./lead-event";

type Lead = typeof leads.$inferSelect;

/** A deal value: ≥ 0, below 10^12, cents at most (leads.deal_value is numeric(14, 2): 12 digits before the point). */
export const DealValue = z
  .number({ error: "The value must be a number." })
  .finite()
  .min(0, "The value can't be negative.")
  .lt(1e12, "The value is too large.")
  // The number as typed has at most two decimals when printing it with two changes nothing (n * 100 drifts at 1e8 and up).
  .refine((n) => Number(n.toFixed(2)) === n, "Use at most two decimals.");
/** ISO 4217: three capital letters. */
export const Currency = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, "A currency is a three-letter code (USD, EUR)."));

/** The deal fields a stage change may carry (asked for Converted): a value needs its currency; a currency alone is ignored. */
export const DealFields = {
  value: DealValue.nullish(),
  currency: Currency.nullish(),
};
export function checkDeal(d: { value?: number | null; currency?: string | null }, c: z.RefinementCtx) {
  if (d.value != null && d.currency == null) c.addIssue({ code: "custom", path: ["currency"], message: "Choose the value's currency." });
}

/**
 * What the worker needs to send a row later, and nothing more: contact data
 * only as SHA-256 of the normalised value, never the plain email or phone;
 * never a secret (those are read from the project's settings at send time).
 */
export type ConversionPayload = {
  em: string | null;
  ph: string | null;
  fbp: string | null;
  fbc: string | null;
  fbclid: string | null;
  /** When the fbclid was captured (ms): Meta's fbc is built as fb.1.<ms>.<fbclid> when no _fbc cookie was there. */
  capturedAtMs: number | null;
  ip: string | null;
  userAgent: string | null;
  landingUrl: string | null;
  gaClientId: string;
  gaSessionId: string | null;
  utm: { source: string | null; medium: string | null; campaign: string | null; term: string | null; content: string | null };
  gclid: string | null;
  value: number | null;
  currency: string | null;
  /** The lead's source (chat, web, csv, sheet): GA4's lead_source, and Meta's action_source (a chat's lead: "chat"). */
  leadSource: string;
  leadId: number | null;
};

/**
 * A GA4 client id for a lead without a `_ga` cookie: "<random>.<seconds>" like
 * the cookie's own, derived from the lead so that all of its events read as
 * one (generated) user rather than a new user per event.
 */
export function generatedGaClientId(leadId: number, createdAt: Date): string {
  const n = parseInt(createHash("sha256").update(`occ-lead:${leadId}`).digest("hex").slice(0, 8), 16);
  return `${n}.${Math.floor(createdAt.getTime() / 1000)}`;
}

function dealNumber(v: string | number | null | undefined): number | null {
  if (v === null || v === undefined || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * The part of a stage change that leaves the building: builds the browser's
 * `LeadStageEvent` and, in the caller's transaction (so a rolled-back change
 * sends nothing), one outbox row per platform the project has turned on
 * whose mapping names an event for the stage. One event id for all of
 * them and for the browser copy, so Meta deduplicates pixel and server.
 * No network here: the sweeper leader delivers (lib/conversions/deliver.ts).
 * Call only when the stage actually changed. `lead` is the row as updated.
 */
export async function recordLeadStageChange(
  tx: StaffCtx,
  a: { lead: Lead; stage: LeadStage; value: number | null; currency: string | null },
): Promise<LeadStageEvent> {
  if (!tx.inTx) throw new AppError("internal", "recordLeadStageChange outside a transaction");
  const { lead, stage } = a;
  const value = a.value ?? (stage === "converted" ? dealNumber(lead.dealValue) : null);
  const currency = a.value != null ? a.currency : stage === "converted" && value !== null ? lead.dealCurrency : null;
  const [project] = lead.projectId ? await tx.db.select({ slug: projects.slug }).from(projects).where(eq(projects.id, lead.projectId)).limit(1) : [];
  const [attr] = lead.attributionId
    ? await tx.db.select().from(visitorAttributions).where(eq(visitorAttributions.id, lead.attributionId)).limit(1)
    : [];
  const { em, ph } = hashedContact(lead.email, lead.phone);
  const eventId = randomUUID();
  const event: LeadStageEvent = {
    event: "lead_stage_changed",
    stage,
    lead_id: lead.id,
    event_id: eventId,
    project: project?.slug ?? null,
    agent: tx.actor.displayName,
    utm_source: attr?.utmSource ?? null,
    utm_medium: attr?.utmMedium ?? null,
    utm_campaign: attr?.utmCampaign ?? null,
    value,
    currency: currency ?? null,
    em,
    ph,
  };

  const config = lead.projectId ? await findConversionConfig(tx.db, lead.projectId) : null;
  if (!config) return event;
  const rows: { platform: "meta" | "ga4"; eventName: string }[] = [];
  const metaName = metaEventNames(config)[stage];
  if (config.metaEnabled && config.metaPixelId && config.metaAccessTokenSealed && metaName) rows.push({ platform: "meta", eventName: metaName });
  const gaName = GA4_EVENT_NAMES[stage];
  if (config.ga4Enabled && config.ga4MeasurementId && config.ga4ApiSecretSealed && gaName) rows.push({ platform: "ga4", eventName: gaName });
  if (rows.length === 0) return event;

  const payload: ConversionPayload = {
    em,
    ph,
    fbp: attr?.fbp ?? null,
    fbc: attr?.fbc ?? null,
    fbclid: attr?.fbclid ?? null,
    capturedAtMs: attr?.createdAt ? attr.createdAt.getTime() : null,
    ip: attr?.ip ?? null,
    userAgent: attr?.userAgent ?? null,
    landingUrl: attr?.landingUrl ?? null,
    gaClientId: attr?.gaClientId ?? generatedGaClientId(lead.id, lead.createdAt),
    gaSessionId: attr?.gaSessionId ?? null,
    utm: {
      source: attr?.utmSource ?? null,
      medium: attr?.utmMedium ?? null,
      campaign: attr?.utmCampaign ?? null,
      term: attr?.utmTerm ?? null,
      content: attr?.utmContent ?? null,
    },
    gclid: attr?.gclid ?? null,
    value,
    currency: currency ?? null,
    leadSource: lead.source,
    leadId: lead.id,
  };
  // One insert for every platform; (event_id, platform) is unique, so a retried write adds nothing.
  await tx.db
    .insert(conversionEvents)
    .values(
      rows.map((r) => ({
        eventId,
        platform: r.platform,
        projectId: lead.projectId,
        leadId: lead.id,
        stage,
        eventName: r.eventName,
        payload,
        occurredAt: tx.now,
        nextAttemptAt: tx.now,
        createdAt: tx.now,
        updatedAt: tx.now,
      })),
    )
    .onConflictDoNothing({ target: [conversionEvents.eventId, conversionEvents.platform] });
  return event;
}

/** The lead columns a stage change writes besides the stage: Converted keeps its deal value. */
export function dealColumns(stage: LeadStage, value: number | null | undefined, currency: string | null | undefined) {
  return stage === "converted" && value != null ? { dealValue: value.toFixed(2), dealCurrency: currency ?? null } : {};
}

import { and, eq, like, sql } from "drizzle-orm";
import { z } from "zod";
import { conversionConfigs, conversionEvents, LEAD_STAGES, projects, type LeadStage } from "../../db/schema";
import { audit } from "../audit";
import { assertCan } from "../auth/permissions";
import { sealFor } from "../auth/secret-box";
import { withTransaction, type Ctx, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { DbId } from "../validation";
import { noEffects, type VerbResult } from "../verb";
import { DEFAULT_META_EVENT_NAMES, type ConversionConfigDTO } from "./types";

export { DEFAULT_META_EVENT_NAMES, GA4_EVENT_NAMES, META_STANDARD_EVENTS } from "./types";

export type ConversionConfigRow = typeof conversionConfigs.$inferSelect;

/** The Meta event name of each stage: what the admin stored, a stage never set falling back to the default. */
export function metaEventNames(row: Pick<ConversionConfigRow, "metaEventNames"> | null): Record<LeadStage, string | null> {
  const stored = row?.metaEventNames ?? {};
  return Object.fromEntries(LEAD_STAGES.map((s) => [s, s in stored ? (stored[s] ?? null) : DEFAULT_META_EVENT_NAMES[s]])) as Record<LeadStage, string | null>;
}

/** The start of a failed Meta row's error when its token was refused or unreadable: saving a new token queues those rows again. */
export const TOKEN_PROBLEM = "Access token";

export async function findConversionConfig(db: Ctx["db"], projectId: number): Promise<ConversionConfigRow | null> {
  const [row] = await db.select().from(conversionConfigs).where(eq(conversionConfigs.projectId, projectId)).limit(1);
  return row ?? null;
}

export function toConfigDTO(projectId: number, row: ConversionConfigRow | null): ConversionConfigDTO {
  return {
    projectId,
    meta: {
      enabled: row?.metaEnabled ?? false,
      pixelId: row?.metaPixelId ?? null,
      accessTokenLast4: row?.metaAccessTokenSealed ? (row.metaAccessTokenLast4 ?? null) : null,
      testEventCode: row?.metaTestEventCode ?? null,
      eventNames: metaEventNames(row),
    },
    ga4: {
      enabled: row?.ga4Enabled ?? false,
      measurementId: row?.ga4MeasurementId ?? null,
      apiSecretLast4: row?.ga4ApiSecretSealed ? (row.ga4ApiSecretLast4 ?? null) : null,
    },
    updatedAt: row?.updatedAt ? row.updatedAt.toISOString() : null,
  };
}

async function assertProject(db: Ctx["db"], projectId: number) {
  const [p] = await db.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).limit(1);
  if (!p) throw new AppError("not_found", "Project not found.");
}

export const GetConversionConfigInput = z.object({ projectId: DbId });

/** A project's conversion settings (`marketing.conversions`), secrets as their last four characters only. */
export async function getConversionConfig({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<ConversionConfigDTO> {
  assertCan(ctx.actor, "marketing.conversions");
  const { projectId } = GetConversionConfigInput.parse(input);
  await assertProject(ctx.db, projectId);
  return toConfigDTO(projectId, await findConversionConfig(ctx.db, projectId));
}

/** A null, "" or blank optional text → null. */
const blankToNull = (v: unknown) => (typeof v === "string" && v.trim() === "" ? null : v);

/** An event name: one of Meta's standard events, or a custom name of letters, digits, spaces and underscores. */
const EventName = z.preprocess(
  blankToNull,
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_ ]{1,40}$/, "Use a standard event or up to 40 letters, digits, spaces and underscores.")
    .nullable(),
);

/** A secret field: left out keeps the stored one, "" removes it, else a new value (printable, no spaces). */
const secret = (label: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label}: at most ${max} characters.`)
    .refine((v) => v === "" || v.length >= min, `${label}: at least ${min} characters.`)
    .refine((v) => /^[\x21-\x7e]*$/.test(v), `${label}: printable characters without spaces.`)
    .optional();

/** Not strict: the page may send back the DTO it read (its last-four fields are ignored, never stored). */
export const UpdateConversionConfigInput = z
  .object({
    projectId: DbId,
    meta: z
      .object({
        enabled: z.boolean(),
        pixelId: z.preprocess(blankToNull, z.string().trim().regex(/^\d{5,20}$/, "A Pixel ID is 5 to 20 digits.").nullable()),
        accessToken: secret("Access token", 20, 1000),
        testEventCode: z.preprocess(
          blankToNull,
          z.string().trim().regex(/^[A-Za-z0-9_-]{1,40}$/, "A test event code is up to 40 letters and digits (TEST12345).").nullable(),
        ),
        eventNames: z.object(Object.fromEntries(LEAD_STAGES.map((s) => [s, EventName])) as Record<LeadStage, typeof EventName>).strict(),
      }),
    ga4: z
      .object({
        enabled: z.boolean(),
        measurementId: z.preprocess(
          (v) => (typeof blankToNull(v) === "string" ? (v as string).trim().toUpperCase() : blankToNull(v)),
          z.string().regex(/^G-[A-Z0-9]{4,20}$/, "A measurement ID looks like G-XXXXXXXXXX.").nullable(),
        ),
        apiSecret: secret("API secret", 8, 200),
      }),
  });

const last4 = (v: string) => v.slice(-4);

/**
 * Change a project's server-side conversion settings (`marketing.conversions`,
 * admins). Secrets are write-only: a field left out keeps the stored one, ""
 * removes it, a new value is sealed (lib/auth/secret-box `sealFor`, bound to
 * the project) and only its last four characters are kept in clear. Turning
 * a platform on needs its ids and secret. A new Meta token queues again the
 * events that failed because the old one was refused. Audited without any
 * secret: only which ones changed.
 */
export async function updateConversionConfig({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<ConversionConfigDTO>> {
  assertCan(ctx.actor, "marketing.conversions");
  const data = UpdateConversionConfigInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    await assertProject(tx.db, data.projectId);
    const bind = `project:${data.projectId}`;
    const [before] = await tx.db.select().from(conversionConfigs).where(eq(conversionConfigs.projectId, data.projectId)).for("update").limit(1);
    const token = data.meta.accessToken;
    const apiSecret = data.ga4.apiSecret;
    const metaSealed = token === undefined ? (before?.metaAccessTokenSealed ?? null) : token === "" ? null : sealFor("meta-capi-token", bind, token);
    const ga4Sealed = apiSecret === undefined ? (before?.ga4ApiSecretSealed ?? null) : apiSecret === "" ? null : sealFor("ga4-api-secret", bind, apiSecret);
    const problems: Record<string, string> = {};
    if (data.meta.enabled && !data.meta.pixelId) problems["meta.pixelId"] = "Enter the Pixel ID to send events to Meta.";
    if (data.meta.enabled && !metaSealed) problems["meta.accessToken"] = "Enter the Conversions API access token to send events to Meta.";
    if (data.ga4.enabled && !data.ga4.measurementId) problems["ga4.measurementId"] = "Enter the measurement ID to send events to GA4.";
    if (data.ga4.enabled && !ga4Sealed) problems["ga4.apiSecret"] = "Enter the Measurement Protocol API secret to send events to GA4.";
    if (Object.keys(problems).length) throw new AppError("bad_request", Object.values(problems)[0], { details: { fields: problems } });

    const values = {
      metaEnabled: data.meta.enabled,
      metaPixelId: data.meta.pixelId,
      metaAccessTokenSealed: metaSealed,
      metaAccessTokenLast4: token === undefined ? (before?.metaAccessTokenLast4 ?? null) : token === "" ? null : last4(token),
      metaTestEventCode: data.meta.testEventCode,
      metaEventNames: data.meta.eventNames,
      ga4Enabled: data.ga4.enabled,
      ga4MeasurementId: data.ga4.measurementId,
      ga4ApiSecretSealed: ga4Sealed,
      ga4ApiSecretLast4: apiSecret === undefined ? (before?.ga4ApiSecretLast4 ?? null) : apiSecret === "" ? null : last4(apiSecret),
      updatedById: ctx.actor.userId,
      updatedAt: ctx.now,
    };
    const [row] = await tx.db
      .insert(conversionConfigs)
      .values({ projectId: data.projectId, ...values })
      .onConflictDoUpdate({ target: conversionConfigs.projectId, set: values })
      .returning();

    let requeued = 0;
    if (token) {
      // The old token was refused: those events get another chance with the new one (still within their 7 days).
      const again = await tx.db
        .update(conversionEvents)
        .set({ status: "queued", attempts: 0, nextAttemptAt: ctx.now, updatedAt: ctx.now })
        .where(
          and(
            eq(conversionEvents.projectId, data.projectId),
            eq(conversionEvents.platform, "meta"),
            eq(conversionEvents.status, "failed"),
            like(conversionEvents.lastError, `${TOKEN_PROBLEM} %`),
            sql`${conversionEvents.occurredAt} > ${new Date(ctx.now.getTime() - 7 * 86_400_000).toISOString()}::timestamptz`,
          ),
        )
        .returning({ id: conversionEvents.id });
      requeued = again.length;
    }

    await audit(tx, "conversions.config_updated", { type: "project", id: data.projectId }, {
      meta: {
        enabled: data.meta.enabled,
        pixelId: data.meta.pixelId,
        testEventCode: data.meta.testEventCode !== null,
        eventNames: data.meta.eventNames,
        // Which secret changed, never the secret.
        accessToken: token === undefined ? "kept" : token === "" ? "removed" : "replaced",
      },
      ga4: { enabled: data.ga4.enabled, measurementId: data.ga4.measurementId, apiSecret: apiSecret === undefined ? "kept" : apiSecret === "" ? "removed" : "replaced" },
      ...(requeued ? { requeued } : {}),
    });
    return { result: toConfigDTO(data.projectId, row), effects: noEffects() };
  });
}

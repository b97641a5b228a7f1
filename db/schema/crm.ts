import { sql } from "drizzle-orm";
import { bigint, boolean, date, index, integer, jsonb, numeric, pgEnum, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, ts, updatedAt } from "./_common";
import { conversations, leadStage } from "./conversations";
import { projects } from "./projects";
import { users } from "./users";
import { visitorAttributions, visitors } from "./visitors";

export const leadSource = pgEnum("lead_source", ["chat", "web", "csv", "sheet"]);
export type LeadSource = (typeof leadSource.enumValues)[number];

export const sheetSources = pgTable("sheet_sources", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  name: text("name").notNull(),
  projectId: integer("project_id").references(() => projects.id, { onDelete: "set null" }),
  spreadsheetId: text("spreadsheet_id").notNull(),
  range: text("range").notNull().default("Sheet1!A:Z"),
  /** Sheet column header → what its column becomes (name, phone, email, extra). */
  columnMapping: jsonb("column_mapping").$type<Record<string, string>>().notNull().default({}),
  pollIntervalSec: integer("poll_interval_sec").notNull().default(60),
  /** ISO country whose rules read a phone without + or 00 (null: such a phone is refused). */
  defaultCountry: text("default_country"),
  /** Last data row already imported (1-based, header excluded). */
  lastRow: integer("last_row").notNull().default(0),
  lastPolledAt: ts("last_polled_at"),
  lastError: text("last_error"),
  lastErrorAt: ts("last_error_at"),
  /** Leads this source has created, in all. */
  rowsImported: integer("rows_imported").notNull().default(0),
  /** Polls failed in a row (0 after a good one): drives the backoff. */
  consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  /** Not polled before this (the interval, or the backoff after errors / quota). */
  nextPollAt: ts("next_poll_at"),
  /** The header row as last read from the sheet (the mapping picks from it). */
  headers: jsonb("headers").$type<string[]>().notNull().default([]),
  enabled: boolean("enabled").notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const leads = pgTable(
  "leads",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    source: leadSource("source").notNull(),
    projectId: integer("project_id").references(() => projects.id, { onDelete: "set null" }),
    conversationId: integer("conversation_id").references(() => conversations.id, { onDelete: "set null" }),
    visitorId: integer("visitor_id").references(() => visitors.id, { onDelete: "set null" }),
    sheetSourceId: integer("sheet_source_id").references(() => sheetSources.id, { onDelete: "set null" }),
    /** Dedupe key within a source (sheet row, CSV row hash, web submission id). */
    externalRef: text("external_ref"),
    name: text("name").notNull().default(""),
    phone: text("phone").notNull().default(""),
    email: text("email").notNull().default(""),
    stage: leadStage("stage").notNull().default("new"),
    followUpOn: date("follow_up_on", { mode: "string" }),
    finalRemark: text("final_remark").notNull().default(""),
    assigneeId: integer("assignee_id").references(() => users.id, { onDelete: "set null" }),
    attributionId: integer("attribution_id").references(() => visitorAttributions.id, { onDelete: "set null" }),
    extra: jsonb("extra").$type<Record<string, string>>().notNull().default({}),
    /** The deal value asked for when a lead is marked Converted (sent as the Purchase value), in `dealCurrency` (ISO 4217). */
    dealValue: numeric("deal_value", { precision: 14, scale: 2 }),
    dealCurrency: text("deal_currency"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The CRM's tabs (a source) and stage filter read newest first: one partial (created_at, id) index per
    // source and per stage, not (source, created_at, id) / (stage, created_at). Leads arrive in clusters (a
    // CSV import's rows share one created_at, imports arrive new), and with the composite the planner walked
    // leads_created_idx filtering, past every other source's leads between two imports (bench/leads-table.ts:
    // up to 3× page 1 at a million leads); a stage index without id also sorted a whole import's tie on
    // every page in it. Each lead is in exactly one index of each set, as before. A new source or stage
    // needs its index here.
    ...leadSource.enumValues.map((v) => index(`leads_source_${v}_created_idx`).on(t.createdAt, t.id).where(sql.raw(`source = '${v}'`))),
    ...leadStage.enumValues.map((v) => index(`leads_stage_${v}_created_idx`).on(t.createdAt, t.id).where(sql.raw(`stage = '${v}'`))),
    index("leads_follow_up_idx").on(t.followUpOn),
    uniqueIndex("leads_conversation_uq").on(t.conversationId),
    uniqueIndex("leads_source_ref_uq").on(t.source, t.sheetSourceId, t.externalRef),
    // A web form's retried submission (Idempotency-Key or its submission id) is one lead per project.
    // (leads_source_ref_uq can't say it: its sheet_source_id is null for web leads, and nulls are distinct.)
    uniqueIndex("leads_web_ref_uq")
      .on(t.projectId, t.externalRef)
      .where(sql`${t.source} = 'web' and ${t.externalRef} is not null`),
    index("leads_project_created_idx").on(t.projectId, t.createdAt, t.id),
    // The CRM's All tab reads newest first over every lead; an agent's view and the assignee filter start from the assignee.
    index("leads_created_idx").on(t.createdAt, t.id),
    index("leads_assignee_created_idx").on(t.assigneeId, t.createdAt, t.id),
    // An import's duplicate check: same phone or email (any case) within the project.
    index("leads_project_phone_idx").on(t.projectId, t.phone),
    index("leads_project_email_idx").on(t.projectId, sql`lower(${t.email})`),
  ],
);

/** Append-only note trail per lead. */
export const leadNotes = pgTable(
  "lead_notes",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    leadId: integer("lead_id")
      .notNull()
      .references(() => leads.id, { onDelete: "cascade" }),
    authorId: integer("author_id").references(() => users.id, { onDelete: "set null" }),
    body: text("body").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("lead_notes_lead_idx").on(t.leadId, t.createdAt)],
);

export const leadImportStatus = pgEnum("lead_import_status", ["uploaded", "queued", "running", "done", "failed"]);
export type LeadImportStatus = (typeof leadImportStatus.enumValues)[number];
export const leadImportDuplicates = pgEnum("lead_import_duplicates", ["skip", "merge"]);

/** What each column of an uploaded CSV becomes. */
export type ImportColumnField = "name" | "phone" | "email" | "extra" | "ignore";

/**
 * A CSV upload of leads (lib/crm/csv-import*.ts): the stored file, the
 * uploader's choices, and the job's progress and truthful counts.
 */
export const leadImports = pgTable(
  "lead_imports",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    uploaderId: integer("uploader_id").references(() => users.id, { onDelete: "set null" }),
    projectId: integer("project_id").references(() => projects.id, { onDelete: "set null" }),
    /** The name the uploader's file had (shown only); the stored file's name is ours. */
    fileName: text("file_name").notNull(),
    storedName: text("stored_name").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    delimiter: text("delimiter").notNull(),
    /** The header row and the first data rows, as shown in the preview. */
    headers: jsonb("headers").$type<string[]>().notNull(),
    preview: jsonb("preview").$type<string[][]>().notNull(),
    /** One field per header column. */
    mapping: jsonb("mapping").$type<ImportColumnField[]>(),
    defaultCountry: text("default_country"),
    duplicates: leadImportDuplicates("duplicates").notNull().default("skip"),
    status: leadImportStatus("status").notNull().default("uploaded"),
    bytesRead: bigint("bytes_read", { mode: "number" }).notNull().default(0),
    totalRows: integer("total_rows").notNull().default(0),
    imported: integer("imported").notNull().default(0),
    merged: integer("merged").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    rejected: integer("rejected").notNull().default(0),
    error: text("error"),
    errorLine: integer("error_line"),
    /** The rejected rows and their reasons, as CSV (null until the job wrote one). */
    rejectedName: text("rejected_name"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
  },
  (t) => [index("lead_imports_status_idx").on(t.status, t.id), index("lead_imports_uploader_idx").on(t.uploaderId, t.id)],
);

/**
 * A running import's accepted rows, before they become leads: the job stages
 * them in small transactions (the app stays responsive), then one transaction
 * turns them into leads, so a failed import leaves no lead behind.
 * `targetLeadId` set: the row merges into that existing lead.
 */
export const leadImportRows = pgTable(
  "lead_import_rows",
  {
    importId: integer("import_id")
      .notNull()
      .references(() => leadImports.id, { onDelete: "cascade" }),
    /** The file line the row starts on (its first, when rows merged). */
    line: integer("line").notNull(),
    targetLeadId: integer("target_lead_id"),
    name: text("name").notNull().default(""),
    phone: text("phone").notNull().default(""),
    email: text("email").notNull().default(""),
    /** lower(email): the duplicate check's key. */
    emailKey: text("email_key").notNull().default(""),
    extra: jsonb("extra").$type<Record<string, string>>().notNull().default({}),
  },
  (t) => [
    primaryKey({ columns: [t.importId, t.line] }),
    index("lead_import_rows_phone_idx").on(t.importId, t.phone),
    index("lead_import_rows_email_idx").on(t.importId, t.emailKey),
    uniqueIndex("lead_import_rows_target_uq").on(t.importId, t.targetLeadId),
  ],
);

/** Per-project server-side conversion settings (Marketing → Conversions). Secrets sealed with lib/auth/secret-box `sealFor`. */
export const conversionConfigs = pgTable("conversion_configs", {
  projectId: integer("project_id")
    .primaryKey()
    .references(() => projects.id, { onDelete: "cascade" }),
  metaEnabled: boolean("meta_enabled").notNull().default(false),
  metaPixelId: text("meta_pixel_id"),
  metaAccessTokenSealed: text("meta_access_token_sealed"),
  /** Last four characters of the token, the only part ever shown again. */
  metaAccessTokenLast4: text("meta_access_token_last4"),
  metaTestEventCode: text("meta_test_event_code"),
  ga4Enabled: boolean("ga4_enabled").notNull().default(false),
  ga4MeasurementId: text("ga4_measurement_id"),
  ga4ApiSecretSealed: text("ga4_api_secret_sealed"),
  ga4ApiSecretLast4: text("ga4_api_secret_last4"),
  /** Lead stage → Meta event name (null/absent: not sent). Defaults: qualified → Lead, converted → Purchase. */
  metaEventNames: jsonb("meta_event_names").$type<Record<string, string | null>>().notNull().default({}),
  updatedById: integer("updated_by_id").references(() => users.id, { onDelete: "set null" }),
  updatedAt: updatedAt(),
});

export const conversionPlatform = pgEnum("conversion_platform", ["meta", "ga4"]);
export const conversionStatus = pgEnum("conversion_status", ["queued", "sent", "failed", "expired"]);

/**
 * The durable outbox of server-side conversions: one row per platform per
 * stage change, written in the stage change's transaction, delivered by the
 * sweeper leader at least once. `eventId` is the browser event's `event_id`
 * too, so Meta deduplicates the pixel's copy.
 */
export const conversionEvents = pgTable(
  "conversion_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    eventId: text("event_id").notNull(),
    platform: conversionPlatform("platform").notNull(),
    projectId: integer("project_id").references(() => projects.id, { onDelete: "cascade" }),
    leadId: integer("lead_id").references(() => leads.id, { onDelete: "set null" }),
    stage: leadStage("stage").notNull(),
    /** The platform event name (Lead, Purchase, generate_lead, …). */
    eventName: text("event_name").notNull(),
    /** Everything needed to build the request, PII already hashed; never the secrets. */
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    /** A test event from the delivery log's button (sent with the test-event code), not a real conversion. */
    test: boolean("test").notNull().default(false),
    status: conversionStatus("status").notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    lastError: text("last_error"),
    responseCode: integer("response_code"),
    /** When the stage changed: Meta's event_time; older than 7 days is never sent. */
    occurredAt: ts("occurred_at").notNull(),
    sentAt: ts("sent_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("conversion_events_event_platform_uq").on(t.eventId, t.platform),
    // The worker's queue: due queued rows, oldest first.
    index("conversion_events_due_idx").on(t.nextAttemptAt, t.id).where(sql`${t.status} = 'queued'`),
    // The delivery log: newest first, per project.
    index("conversion_events_project_created_idx").on(t.projectId, t.createdAt, t.id),
    index("conversion_events_created_idx").on(t.createdAt, t.id),
  ],
);

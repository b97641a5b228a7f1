import { sql } from "drizzle-orm";
import { boolean, date, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
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
  /** Lead field → sheet column header (or letter). */
  columnMapping: jsonb("column_mapping").$type<Record<string, string>>().notNull().default({}),
  pollIntervalSec: integer("poll_interval_sec").notNull().default(60),
  /** Last data row already imported (1-based, header excluded). */
  lastRow: integer("last_row").notNull().default(0),
  lastPolledAt: ts("last_polled_at"),
  lastError: text("last_error"),
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
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("leads_stage_created_idx").on(t.stage, t.createdAt),
    index("leads_source_created_idx").on(t.source, t.createdAt, t.id),
    index("leads_follow_up_idx").on(t.followUpOn),
    uniqueIndex("leads_conversation_uq").on(t.conversationId),
    uniqueIndex("leads_source_ref_uq").on(t.source, t.sheetSourceId, t.externalRef),
    // A web form's retried submission (Idempotency-Key or its submission id) is one lead per project.
    // (leads_source_ref_uq can't say it: its sheet_source_id is null for web leads, and nulls are distinct.)
    uniqueIndex("leads_web_ref_uq")
      .on(t.projectId, t.externalRef)
      .where(sql`${t.source} = 'web' and ${t.externalRef} is not null`),
    index("leads_project_created_idx").on(t.projectId, t.createdAt, t.id),
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

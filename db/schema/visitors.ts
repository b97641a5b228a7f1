import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, ts } from "./_common";
import { projects } from "./projects";

export const visitors = pgTable(
  "visitors",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    projectId: integer("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** Random secret held by the visitor's browser (cookie + localStorage), scoped to one project. */
    token: text("token").notNull(),
    name: text("name").notNull(),
    /** E.164. */
    phone: text("phone").notNull(),
    email: text("email").notNull(),
    firstIp: text("first_ip"),
    createdAt: createdAt(),
    lastSeenAt: ts("last_seen_at"),
  },
  (t) => [
    uniqueIndex("visitors_token_uq").on(t.token),
    index("visitors_project_idx").on(t.projectId, t.createdAt),
    // The Chats table's search: case-insensitive prefixes of name and email, and of the E.164 phone (LIKE 'x%' in any collation).
    index("visitors_name_prefix_idx").using("btree", sql`lower(${t.name}) text_pattern_ops`),
    index("visitors_email_prefix_idx").using("btree", sql`lower(${t.email}) text_pattern_ops`),
    index("visitors_phone_prefix_idx").using("btree", t.phone.op("text_pattern_ops")),
  ],
);

/** Marketing and device signals captured when a chat starts. */
export const visitorAttributions = pgTable(
  "visitor_attributions",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    /** Null for a lead that came without a chat (a web form): the attribution is the lead's. */
    visitorId: integer("visitor_id").references(() => visitors.id, { onDelete: "cascade" }),
    utmSource: text("utm_source"),
    utmMedium: text("utm_medium"),
    utmCampaign: text("utm_campaign"),
    utmTerm: text("utm_term"),
    utmContent: text("utm_content"),
    gclid: text("gclid"),
    fbclid: text("fbclid"),
    /** Ad-platform cookies read at chat start (Meta `_fbp` / `_fbc`, Google Analytics `_ga` client id and session id). */
    fbp: text("fbp"),
    fbc: text("fbc"),
    gaClientId: text("ga_client_id"),
    gaSessionId: text("ga_session_id"),
    referrer: text("referrer"),
    landingUrl: text("landing_url"),
    sourceDomain: text("source_domain"),
    deviceType: text("device_type"),
    os: text("os"),
    osVersion: text("os_version"),
    browser: text("browser"),
    browserVersion: text("browser_version"),
    deviceBrand: text("device_brand"),
    language: text("language"),
    connectionType: text("connection_type"),
    geoCity: text("geo_city"),
    geoRegion: text("geo_region"),
    geoCountry: text("geo_country"),
    timeOnPageMs: integer("time_on_page_ms"),
    returning: boolean("returning").notNull().default(false),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
  },
  (t) => [index("visitor_attributions_visitor_idx").on(t.visitorId), index("visitor_attributions_created_idx").on(t.createdAt)],
);

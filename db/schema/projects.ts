import { sql } from "drizzle-orm";
import { boolean, integer, jsonb, pgEnum, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./_common";

export const widgetPosition = pgEnum("widget_position", ["right", "left"]);

export const projects = pgTable(
  "projects",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    slug: text("slug").notNull(),
    title: text("title").notNull(),
    subtitle: text("subtitle").notNull().default(""),
    accentColor: text("accent_color").notNull().default("#2563eb"),
    welcomeHeading: text("welcome_heading").notNull().default("Hi there 👋"),
    welcomeMessage: text("welcome_message").notNull().default("Ask us anything — we usually reply in under a minute."),
    formHeading: text("form_heading").notNull().default("Start a conversation"),
    formDescription: text("form_description").notNull().default("Leave your details and we'll connect you with our team."),
    iconUrl: text("icon_url"),
    /** Exact origins or wildcards like `https://*.client.com`. */
    allowedOrigins: jsonb("allowed_origins").$type<string[]>().notNull().default([]),
    aiInstructions: text("ai_instructions").notNull().default(""),
    widgetPosition: widgetPosition("widget_position").notNull().default("right"),
    isDefault: boolean("is_default").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("projects_slug_uq").on(t.slug),
    // At most one default project.
    uniqueIndex("projects_default_uq").on(t.isDefault).where(sql`${t.isDefault}`),
  ],
);

import { bigint, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./_common";
import { users } from "./users";

/** Global key/value configuration: `ai` (provider, model, limits, master switch), `marketing_tags`, … */
export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").$type<unknown>().notNull(),
  updatedById: integer("updated_by_id").references(() => users.id, { onDelete: "set null" }),
  updatedAt: updatedAt(),
});

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    actorKind: text("actor_kind").notNull(),
    actorId: integer("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    ip: text("ip"),
    createdAt: createdAt(),
  },
  (t) => [
    index("audit_log_created_idx").on(t.createdAt, t.id),
    index("audit_log_target_idx").on(t.targetType, t.targetId),
    // The Security page's audit log filters by action (or a category of them) and by actor, newest first.
    index("audit_log_action_idx").on(t.action, t.createdAt, t.id),
    index("audit_log_actor_idx").on(t.actorId, t.createdAt, t.id),
  ],
);

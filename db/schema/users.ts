import { sql } from "drizzle-orm";
import { boolean, index, integer, pgEnum, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, ts, updatedAt } from "./_common";

export const staffRole = pgEnum("staff_role", ["admin", "manager", "agent", "qa"]);
export const STAFF_ROLES = staffRole.enumValues;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const users = pgTable(
  "users",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    email: text("email").notNull(),
    username: text("username"),
    passwordHash: text("password_hash").notNull(),
    displayName: text("display_name").notNull(),
    role: staffRole("role").notNull(),
    disabled: boolean("disabled").notNull().default(false),
    /** Bumped to invalidate every session of this user at once. */
    sessionVersion: integer("session_version").notNull().default(1),
    lastSeenAt: ts("last_seen_at"),
    // Agent settings (meaningful for role = agent).
    activeChatLimit: integer("active_chat_limit").notNull().default(3),
    offlineChatLimit: integer("offline_chat_limit").notNull().default(5),
    liveChatEnabled: boolean("live_chat_enabled").notNull().default(true),
    crmEnabled: boolean("crm_enabled").notNull().default(false),
    onBreak: boolean("on_break").notNull().default(false),
    /** When the last console connection closed; null while connected. Drives the 30 s grace. */
    offlineSince: ts("offline_since"),
    /** Last console heartbeat; drives the 5 min inactivity sign-out. */
    lastActivityAt: ts("last_activity_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("users_email_uq").on(sql`lower(${t.email})`),
    uniqueIndex("users_username_uq").on(sql`lower(${t.username})`),
    index("users_role_idx").on(t.role),
  ],
);

/**
 * Live console connections per app instance. Presence is "any row with
 * connections > 0 whose instance heartbeat is fresh", so it survives several
 * instances and a crashed instance ages out.
 */
export const staffPresence = pgTable(
  "staff_presence",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    instanceId: text("instance_id").notNull(),
    connections: integer("connections").notNull().default(0),
    heartbeatAt: ts("heartbeat_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.instanceId] })],
);

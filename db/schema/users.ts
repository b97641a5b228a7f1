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
    // Two-factor sign-in (TOTP). The secret is AES-256-GCM ciphertext (lib/auth/secret-box.ts); null = not enrolled.
    totpSecret: text("totp_secret"),
    totpEnabledAt: ts("totp_enabled_at"),
    /** The last accepted TOTP time step: a code is accepted only for a later step, so none can be replayed. */
    totpLastStep: integer("totp_last_step"),
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

/**
 * One signed-in device. The id is the `sid` sealed into that device's cookie
 * (random, unguessable); the cookie is valid only while this row exists, is
 * not revoked, and is inside the idle and absolute limits (lib/auth/staff-sessions.ts).
 */
export const staffSessions = pgTable(
  "staff_sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: ts("created_at").notNull(),
    /** Updated at most once a minute per session, so the idle limit is accurate to about a minute. */
    lastSeenAt: ts("last_seen_at").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    revokedAt: ts("revoked_at"),
  },
  (t) => [index("staff_sessions_user_idx").on(t.userId, t.lastSeenAt)],
);

/** Single-use two-factor recovery codes, stored as SHA-256 hashes (the codes are random, 50 bits each). */
export const staffRecoveryCodes = pgTable(
  "staff_recovery_codes",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    usedAt: ts("used_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("staff_recovery_codes_uq").on(t.userId, t.codeHash)],
);

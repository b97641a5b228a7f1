import { integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./_common";
import { conversations } from "./conversations";
import { users } from "./users";

/**
 * The persisted round-robin position. Updated in the same transaction as the
 * assignment it drives, so the rotation survives restarts and races.
 */
export const roundRobinCursor = pgTable("round_robin_cursor", {
  key: text("key").primaryKey(),
  lastUserId: integer("last_user_id"),
  updatedAt: updatedAt(),
});

/** Per-agent stars (the same chat may be starred by one agent and not another). */
export const stars = pgTable(
  "stars",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    conversationId: integer("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.conversationId] })],
);

/** Up to 5 canned replies per agent (enforced in lib/, product brief). */
export const quickReplies = pgTable("quick_replies", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  body: text("body").notNull(),
  position: integer("position").notNull().default(0),
  createdAt: createdAt(),
});

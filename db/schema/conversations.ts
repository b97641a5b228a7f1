import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import type { RoutingNote } from "../../lib/wire";
import { createdAt, ts } from "./_common";
import { projects } from "./projects";
import { users } from "./users";
import { visitorAttributions, visitors } from "./visitors";

export const conversationStatus = pgEnum("conversation_status", ["queued", "active", "offline", "closed"]);
export type ConversationStatus = (typeof conversationStatus.enumValues)[number];
export const leadStage = pgEnum("lead_stage", ["new", "qualified", "not_qualified", "converted"]);
export const LEAD_STAGES = leadStage.enumValues;
export type LeadStage = (typeof LEAD_STAGES)[number];

export const conversations = pgTable(
  "conversations",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    projectId: integer("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    visitorId: integer("visitor_id")
      .notNull()
      .references(() => visitors.id, { onDelete: "cascade" }),
    attributionId: integer("attribution_id").references(() => visitorAttributions.id, { onDelete: "set null" }),
    status: conversationStatus("status").notNull().default("queued"),
    /** The human owner; null when queued or when the AI owns it (`assignedToAi`). */
    assigneeId: integer("assignee_id").references(() => users.id, { onDelete: "set null" }),
    assignedToAi: boolean("assigned_to_ai").notNull().default(false),
    /** Once the AI hands off (or the visitor asks for a human) this never goes back. */
    humanRequested: boolean("human_requested").notNull().default(false),
    leadStage: leadStage("lead_stage").notNull().default("new"),
    /**
     * The visitor's name, lowercased, kept by database triggers (migration 0015, which also makes
     * it COLLATE "C"): the Chats table's name search walks `conversations_last_search_idx` in
     * recency order without a lookup per row.
     */
    visitorSearch: text("visitor_search").notNull().default(""),
    /** Copied from the visitor at start so routing's "same phone" rule is one indexed lookup. */
    visitorPhone: text("visitor_phone").notNull(),
    ip: text("ip"),
    lastMessageAt: ts("last_message_at").notNull().defaultNow(),
    lastMessagePreview: text("last_message_preview").notNull().default(""),
    visitorLastSeenAt: ts("visitor_last_seen_at"),
    /** Null while the visitor has a live socket; set when the last one closes (15 s grace). */
    visitorOfflineSince: ts("visitor_offline_since"),
    /** Visitor messages the assignee has not read yet (drives badges). */
    staffUnread: integer("staff_unread").notNull().default(0),
    // Receipt watermarks: every message of that side with id <= N is delivered/read.
    // Monotonic, so a reconnecting client catches up on ticks with one row.
    visitorMsgsDeliveredUpTo: bigint("visitor_msgs_delivered_up_to", { mode: "number" }).notNull().default(0),
    visitorMsgsReadUpTo: bigint("visitor_msgs_read_up_to", { mode: "number" }).notNull().default(0),
    staffMsgsDeliveredUpTo: bigint("staff_msgs_delivered_up_to", { mode: "number" }).notNull().default(0),
    staffMsgsReadUpTo: bigint("staff_msgs_read_up_to", { mode: "number" }).notNull().default(0),
    queuedAt: ts("queued_at"),
    assignedAt: ts("assigned_at"),
    createdAt: createdAt(),
    closedAt: ts("closed_at"),
    closedById: integer("closed_by_id").references(() => users.id, { onDelete: "set null" }),
    /** Why the chat went to its current owner: the rotation and who was skipped, or who picked/assigned it. */
    routingNote: jsonb("routing_note").$type<RoutingNote>(),
  },
  (t) => [
    index("conversations_assignee_status_idx").on(t.assigneeId, t.status, t.lastMessageAt),
    index("conversations_project_status_idx").on(t.projectId, t.status, t.lastMessageAt),
    index("conversations_status_last_idx").on(t.status, t.lastMessageAt, t.id),
    index("conversations_visitor_idx").on(t.visitorId, t.createdAt),
    index("conversations_queue_idx").on(t.queuedAt, t.id).where(sql`${t.status} = 'queued'`),
    // The Overview's range totals and chats per day (created in the range).
    index("conversations_created_idx").on(t.createdAt),
    index("conversations_phone_open_idx").on(t.visitorPhone, t.assigneeId).where(sql`${t.status} <> 'closed'`),
    // The back office's Chats table: newest message first, alone or under one filter, at any depth (keyset on last_message_at, id).
    // Newest first, with the search name in the index: a broad name prefix is an index-only walk.
    index("conversations_last_search_idx").on(t.lastMessageAt, t.id, t.visitorSearch),
    // A narrow name prefix: the few matching chats, then sorted.
    index("conversations_visitor_search_idx").using("btree", sql`${t.visitorSearch} text_pattern_ops`),
    index("conversations_stage_last_idx").on(t.leadStage, t.lastMessageAt, t.id),
    index("conversations_assignee_last_idx").on(t.assigneeId, t.lastMessageAt, t.id),
    index("conversations_project_last_idx").on(t.projectId, t.lastMessageAt, t.id),
    index("conversations_ai_last_idx").on(t.lastMessageAt, t.id).where(sql`${t.assignedToAi}`),
  ],
);

export const senderKind = pgEnum("sender_kind", ["visitor", "agent", "admin", "ai", "system"]);
export type SenderKind = (typeof senderKind.enumValues)[number];

export const attachments = pgTable(
  "attachments",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    conversationId: integer("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    /** Server-generated file name under DATA_DIR/uploads; never the client's name. The re-encoded image, not the upload's bytes. */
    storageName: text("storage_name").notNull(),
    mime: text("mime").notNull(),
    /** Size and dimensions of the stored (re-encoded, bounded) file; a frame's for animations. */
    size: integer("size").notNull(),
    width: integer("width"),
    height: integer("height"),
    /** The thread's WebP thumbnail next to it; null for uploads from before thumbnails (they fall back to the full image). */
    thumbStorageName: text("thumb_storage_name"),
    thumbWidth: integer("thumb_width"),
    thumbHeight: integer("thumb_height"),
    uploaderKind: senderKind("uploader_kind").notNull(),
    uploaderId: integer("uploader_id"),
    createdAt: createdAt(),
  },
  (t) => [index("attachments_conversation_idx").on(t.conversationId)],
);

export const messages = pgTable(
  "messages",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    conversationId: integer("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    senderKind: senderKind("sender_kind").notNull(),
    /** Staff user id for agent/admin messages; null for visitor, AI and system. */
    senderId: integer("sender_id").references(() => users.id, { onDelete: "set null" }),
    body: text("body").notNull().default(""),
    /** Client-chosen id: a retried send returns the stored row instead of a duplicate. */
    clientMsgId: text("client_msg_id").notNull(),
    replyToId: bigint("reply_to_id", { mode: "number" }),
    attachmentId: integer("attachment_id").references(() => attachments.id, { onDelete: "set null" }),
    deliveredAt: ts("delivered_at"),
    readAt: ts("read_at"),
    createdAt: createdAt(),
  },
  (t) => [
    // Ascending on purpose (STACK-NOTES pitfall 5): PostgreSQL scans it backwards for "last 30".
    index("messages_conversation_created_idx").on(t.conversationId, t.createdAt, t.id),
    // Receipts ("newest id in this chat") and reconnect catch-up ("everything after id N").
    index("messages_conversation_id_idx").on(t.conversationId, t.id),
    // Also the idempotency key for retried sends.
    uniqueIndex("messages_client_msg_uq").on(t.conversationId, t.clientMsgId),
  ],
);

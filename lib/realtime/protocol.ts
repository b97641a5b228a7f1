import { z } from "zod";

/**
 * The ws protocol. Every client frame is parsed with `ClientMessage` before
 * anything else looks at it; browser clients and the widget import types only.
 */
export const MAX_FRAME_BYTES = 16 * 1024;
export const MAX_BODY_CHARS = 4000;

const Id = z.number().int().positive();
const ConversationId = z.number().int().positive().max(2 ** 31 - 1);
const Ref = z.string().max(64).optional();

export const ClientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ping"), ref: Ref }),
  /** Join a conversation room; `afterId` asks for everything after the last message seen. */
  z.object({ type: z.literal("join"), ref: Ref, conversationId: ConversationId, afterId: z.number().int().min(0).optional() }),
  z.object({ type: z.literal("leave"), ref: Ref, conversationId: ConversationId }),
  z.object({
    type: z.literal("send"),
    ref: Ref,
    conversationId: ConversationId,
    clientMsgId: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/),
    body: z.string().max(MAX_BODY_CHARS),
    replyToId: Id.optional(),
    attachmentId: ConversationId.optional(),
  }),
  z.object({ type: z.literal("typing"), conversationId: ConversationId, on: z.boolean() }),
  z.object({ type: z.literal("delivered"), conversationId: ConversationId, upToId: Id }),
  z.object({ type: z.literal("read"), conversationId: ConversationId, upToId: Id }),
  /** Staff console liveness (5-minute inactivity rule). */
  z.object({ type: z.literal("heartbeat") }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export type SenderKind = "visitor" | "agent" | "admin" | "ai" | "system";

export type MessageDTO = {
  id: number;
  conversationId: number;
  senderKind: SenderKind;
  senderId: number | null;
  senderName: string | null;
  body: string;
  clientMsgId: string;
  replyTo: { id: number; senderKind: SenderKind; excerpt: string; hasImage: boolean } | null;
  attachment: { id: number; url: string; mime: string; width: number | null; height: number | null } | null;
  createdAt: string;
  deliveredAt: string | null;
  readAt: string | null;
  /**
   * On live frames (ack, message): the id of the message before this one in
   * the same chat. Inserts into a chat commit in id order, but their frames
   * can arrive out of order; a client advances its "seen everything up to"
   * mark only along this chain, so a reconnect never skips a message.
   */
  prevId?: number;
};

export type ConversationStatus = "queued" | "active" | "offline" | "closed";
export type LeadStage = "new" | "qualified" | "not_qualified" | "converted";

export type ConversationDTO = {
  id: number;
  projectId: number;
  status: ConversationStatus;
  assigneeId: number | null;
  assigneeName: string | null;
  assignedToAi: boolean;
  leadStage: LeadStage;
  visitor: { id: number; name: string; phone: string; email: string };
  lastMessageAt: string;
  lastMessagePreview: string;
  staffUnread: number;
  createdAt: string;
  closedAt: string | null;
};

/** What a visitor may know about their chat: never lead stage, owner, unread counts or whether the AI answers. */
export type VisitorConversationView = { id: number; status: ConversationStatus };

export function visitorView(c: ConversationDTO): VisitorConversationView {
  return { id: c.id, status: c.status };
}

export type ReceiptState = {
  visitorMsgsDeliveredUpTo: number;
  visitorMsgsReadUpTo: number;
  staffMsgsDeliveredUpTo: number;
  staffMsgsReadUpTo: number;
};

export type ServerMessage =
  | { type: "hello"; role: "visitor" | "admin" | "manager" | "agent" | "qa"; userId?: number; visitorId?: number }
  | { type: "pong"; ref?: string }
  | { type: "error"; ref?: string; code: string; message: string }
  | {
      type: "joined";
      ref?: string;
      conversationId: number;
      /** Messages after the client's `afterId` (oldest first); `more` = call join again with the last id. */
      messages: MessageDTO[];
      more: boolean;
      /** On a first join (no afterId): cursor for the page before these 30, or null. */
      olderCursor: string | null;
      receipts: ReceiptState;
      conversation: ConversationDTO | VisitorConversationView;
    }
  /** Sent to the sender once the message is committed (single tick). */
  | { type: "ack"; ref?: string; clientMsgId: string; message: MessageDTO }
  | { type: "message"; message: MessageDTO }
  | { type: "receipt"; conversationId: number; side: "visitor" | "staff"; kind: "delivered" | "read"; upToId: number }
  | { type: "typing"; conversationId: number; who: "visitor" | "staff"; on: boolean; name?: string }
  | { type: "conversation"; conversation: ConversationDTO }
  /** The visitor's view of a change to their chat (status only). */
  | { type: "chat"; chat: VisitorConversationView }
  /** A visitor message on a closed chat started a new one: the visitor client switches to it. */
  | { type: "moved"; fromConversationId: number; toConversationId: number };

/** Close codes the clients understand. */
export const CLOSE = {
  /** Session ended (sign-out, force-logout, disabled): do not reconnect. */
  signedOut: 4001,
  /** Server restarting: reconnect with backoff. */
  restart: 1012,
} as const;

export const room = {
  /** Staff watching a chat (assignee, admins, QA). */
  conversation: (id: number) => `conversation:${id}`,
  /** The chat's visitor tabs: they get messages, receipts and typing, and only a visitor view of the chat. */
  conversationVisitor: (id: number) => `visitor-conversation:${id}`,
  staff: (userId: number) => `staff:${userId}`,
  inboxAll: "inbox:all",
  /** Agents: chat state changes only (Unassigned and Others buckets), never message bodies. */
  inboxAgents: "inbox:agents",
};

import { z } from "zod";
import type { AgentStatusDTO, ChatFrame, ConversationDTO, MessageDTO, ReceiptState, VisitorConversationView } from "../wire";
import { MAX_BODY_CHARS } from "../constants";
import { BigIdValue, DbIdValue } from "../validation";

/**
 * The ws protocol. Every client frame is parsed with `ClientMessage` before
 * anything else looks at it; browser clients and the widget import types only.
 */

const Id = BigIdValue;
const ConversationId = DbIdValue;
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

export type {
  SenderKind,
  MessageDTO,
  ConversationStatus,
  LeadStage,
  ConversationDTO,
  VisitorConversationView,
  ReceiptState,
  ChatFrame,
  AgentPresence,
  AgentStatusDTO,
} from "../wire";
export { CLOSE, MAX_BODY_CHARS, MAX_FRAME_BYTES } from "../constants";

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
  | ChatFrame
  | { type: "conversation"; conversation: ConversationDTO }
  /** The visitor's view of a change to their chat (status only). */
  | { type: "chat"; chat: VisitorConversationView }
  /**
   * This socket's rights changed (a toggle turned off, the chat moved out of
   * reach): it left the chat's room and receives nothing more about it.
   */
  | { type: "revoked"; conversationId: number }
  /**
   * A message landed in a chat (to agents' inboxes, which never get message
   * bodies of chats that aren't theirs): enough to update its preview and
   * reorder the Unassigned and Others buckets live.
   */
  | { type: "activity"; conversationId: number; lastMessageAt: string; lastMessagePreview: string; fromVisitor: boolean }
  /** One agent's presence or load changed (to `room.supervisors` only: agents never get each other's load this way). */
  | { type: "agent"; agent: AgentStatusDTO };

export const room = {
  /** Staff watching a chat (assignee, admins, QA). */
  conversation: (id: number) => `conversation:${id}`,
  /** The chat's visitor tabs: they get messages, receipts and typing, and only a visitor view of the chat. */
  conversationVisitor: (id: number) => `visitor-conversation:${id}`,
  staff: (userId: number) => `staff:${userId}`,
  inboxAll: "inbox:all",
  /** Agents: chat state changes only (Unassigned and Others buckets), never message bodies. */
  inboxAgents: "inbox:agents",
  /** Who watches every agent's presence and load live (`agents.presence`): the Overview grid, the Agents table. */
  supervisors: "agents:status",
};

/**
 * What crosses the wire: the chat's data as clients see it (staff DTOs, the
 * visitor's narrower view, per-chat frames). lib/chat produces these, the ws
 * protocol and the effects layer carry them, the browser clients import them:
 * types only, so no folder depends on another through them.
 */

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
  attachment: AttachmentDTO | null;
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

/**
 * An image in a message. `url` is the full image (re-encoded, at most 2560 px
 * a side) for the viewer; `thumbUrl` the small WebP the thread shows, with
 * its own dimensions. The server always sets the thumb fields (null for
 * uploads from before thumbnails: show `url`); they are optional only so a
 * client's optimistic copy of its own upload may leave them out.
 */
export type AttachmentDTO = {
  id: number;
  url: string;
  mime: string;
  width: number | null;
  height: number | null;
  thumbUrl?: string | null;
  thumbWidth?: number | null;
  thumbHeight?: number | null;
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

/**
 * What a visitor may know about their chat: its status, who is answering
 * (a display name, never an id), their place in the queue, whether anyone can
 * answer right now, and their previous chat in this project (history). Never
 * lead stage, unread counts or whether the AI answers.
 */
export type VisitorConversationView = {
  id: number;
  status: ConversationStatus;
  agentName: string | null;
  /** While queued: 1 = next in line. Null otherwise. */
  queuePosition: number | null;
  /** Queued and no agent is connected and available: the team answers later, here and by email or phone. */
  nobodyAvailable: boolean;
  /** The visitor's chat before this one in the same project, for the history above the thread. */
  previousConversationId: number | null;
};

export type ReceiptState = {
  visitorMsgsDeliveredUpTo: number;
  visitorMsgsReadUpTo: number;
  staffMsgsDeliveredUpTo: number;
  staffMsgsReadUpTo: number;
};

/** Frames about one chat that go to everyone in it, staff and visitor alike. */
export type ChatFrame =
  | { type: "receipt"; conversationId: number; side: "visitor" | "staff"; kind: "delivered" | "read"; upToId: number }
  | { type: "typing"; conversationId: number; who: "visitor" | "staff"; on: boolean; name?: string }
  /** A visitor message on a closed chat started a new one: the visitor client switches to it. */
  | { type: "moved"; fromConversationId: number; toConversationId: number };

/** Why an agent was passed over for a chat. */
export type SkipReason = "no_live_chat" | "on_break" | "absent" | "full" | "same_phone";

/**
 * Why a chat went where it did, shown in the chat's details and the agents grid:
 * the round-robin (with who was skipped before the chosen agent, and why), an
 * agent picking it from the queue, or a supervisor assigning it.
 */
export type RoutingNote = {
  kind: "rotation" | "picked" | "assigned";
  at: string;
  agent: { id: number; name: string };
  by?: { id: number; name: string };
  /** Rotation only: the chosen agent's place in the rotation after the cursor (1 = the next in line). */
  position?: number;
  skipped?: { id: number; name: string; reason: SkipReason }[];
};

/** online: a live console; grace: gone less than 30 s (a refresh); break: online but taking no chats; offline. */
export type AgentPresence = "online" | "grace" | "break" | "offline";

/** One agent's presence and load, as supervisors see it (the `agent` frame, the Overview grid). */
export type AgentStatusDTO = {
  id: number;
  displayName: string;
  presence: AgentPresence;
  /** While in grace: when it ends (then offline; the chats' release follows the routing rules). */
  graceEndsAt: string | null;
  liveChatEnabled: boolean;
  disabled: boolean;
  activeCount: number;
  activeLimit: number;
  /** Parked chats (visitor gone, kept by the agent) against the offline limit. */
  offlineCount: number;
  offlineLimit: number;
};

import type { Db } from "../../db/client";
import { loadConversationDTOs, messagePreview } from "../chat/dto";
import { getHub } from "./hub";
import { loadVisitorViews } from "../routing/visitor-view";
import { loadChangedAgentStatuses } from "../routing/list-agents";
import { room, type MessageDTO, type ServerMessage } from "./protocol";

/**
 * Fan-out helpers used after a domain call has committed (never inside a
 * transaction). Without a hub (tests, `next build`) they do nothing.
 */
export function publishMessage(message: MessageDTO, assigneeId: number | null, exceptConn?: string) {
  const hub = getHub();
  if (!hub) return;
  // The chat's room, plus the inbox views (admins, managers, QA, the assignee) that
  // update previews and badges from it; a socket in several of these gets it once.
  const rooms = [room.conversation(message.conversationId), room.conversationVisitor(message.conversationId), room.inboxAll];
  if (assigneeId) rooms.push(room.staff(assigneeId));
  hub.publishMany(rooms, { type: "message", message } satisfies ServerMessage, exceptConn);
  // Agents list the queue and teammates' chats too, but never get their message bodies:
  // the preview and the new order are enough to keep those buckets live.
  hub.publish(room.inboxAgents, {
    type: "activity",
    conversationId: message.conversationId,
    lastMessageAt: message.createdAt,
    lastMessagePreview: messagePreview(message),
    fromVisitor: message.senderKind === "visitor",
  } satisfies ServerMessage);
}

/** Send the current state of conversations to their room and the inboxes that list them. */
export async function publishConversations(db: Db, ids: number[], extraStaff: number[] = []) {
  const hub = getHub();
  if (!hub || ids.length === 0) return;
  for (const conversation of await loadConversationDTOs(db, ids)) {
    const rooms = [room.conversation(conversation.id), room.inboxAll, room.inboxAgents];
    if (conversation.assigneeId) rooms.push(room.staff(conversation.assigneeId));
    for (const u of extraStaff) if (u !== conversation.assigneeId) rooms.push(room.staff(u));
    hub.publishMany(rooms, { type: "conversation", conversation } satisfies ServerMessage);
  }
  await publishVisitorViews(db, ids);
}

/** Each chat's visitor tabs get their narrower view: status, agent name, queue position. */
export async function publishVisitorViews(db: Db, ids: number[]) {
  const hub = getHub();
  if (!hub || ids.length === 0) return;
  for (const chat of await loadVisitorViews(db, ids)) {
    hub.publish(room.conversationVisitor(chat.id), { type: "chat", chat } satisfies ServerMessage);
  }
}

/** A frame for everyone in the chat, staff and visitor alike (typing, receipts, moves). */
export function publishToConversation(conversationId: number, frame: ServerMessage, exceptConn?: string) {
  getHub()?.publishMany([room.conversation(conversationId), room.conversationVisitor(conversationId)], frame, exceptConn);
}

/**
 * Supervisors hear the new presence and load of these agents, and of the
 * current assignees of these chats (a chat assigned, parked, released or
 * closed changed its agent's load): one query, one frame per agent. Users who
 * aren't agents drop out of the query.
 */
export async function publishAgentStatuses(db: Db, now: Date, p: { userIds: number[]; conversationIds: number[] }) {
  const hub = getHub();
  if (!hub) return;
  for (const agent of await loadChangedAgentStatuses(db, now, p)) {
    hub.publish(room.supervisors, { type: "agent", agent } satisfies ServerMessage);
  }
}

import type { Db } from "../../db/client";
import { loadConversationDTOs } from "../chat/dto";
import { getHub } from "./hub";
import { room, type MessageDTO, type ServerMessage } from "./protocol";

/**
 * Fan-out helpers used after a domain call has committed (never inside a
 * transaction). Without a hub (tests, `next build`) they do nothing.
 */
export function publishMessage(message: MessageDTO, assigneeId: number | null, exceptConn?: string) {
  const hub = getHub();
  if (!hub) return;
  const frame: ServerMessage = { type: "message", message };
  hub.publish(room.conversation(message.conversationId), frame, exceptConn);
  // Inbox views (admins, managers, QA, the assignee) update previews and badges from it.
  hub.publish(room.inboxAll, frame);
  if (assigneeId) hub.publish(room.staff(assigneeId), frame);
}

/** Send the current state of conversations to their room and the inboxes that list them. */
export async function publishConversations(db: Db, ids: number[], extraStaff: number[] = []) {
  const hub = getHub();
  if (!hub || ids.length === 0) return;
  for (const conversation of await loadConversationDTOs(db, ids)) {
    const frame: ServerMessage = { type: "conversation", conversation };
    hub.publish(room.conversation(conversation.id), frame);
    hub.publish(room.inboxAll, frame);
    if (conversation.assigneeId) hub.publish(room.staff(conversation.assigneeId), frame);
    for (const u of extraStaff) if (u !== conversation.assigneeId) hub.publish(room.staff(u), frame);
  }
}

export function publishToConversation(conversationId: number, frame: ServerMessage, exceptConn?: string) {
  getHub()?.publish(room.conversation(conversationId), frame, exceptConn);
}

import { and, eq, inArray, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../../db/client";
import { attachments, conversations, messages, users, visitors } from "../../db/schema";
import type { AttachmentDTO, ConversationDTO, MessageDTO } from "../wire";

const replyMsg = alias(messages, "reply_msg");

/** The inbox preview of a message: its text (140 characters), or a camera for an image. */
export function messagePreview(m: { body: string }): string {
  return m.body ? m.body.slice(0, 140) : "📷 Image";
}

/** The full image (the viewer's), or with `thumb` the thread's thumbnail. */
export function attachmentUrl(id: number, size: "full" | "thumb" = "full") {
  return size === "thumb" ? `/api/chat/attachments/${id}?size=thumb` : `/api/chat/attachments/${id}`;
}

type AttachmentRow = { id: number; mime: string; width: number | null; height: number | null; thumbStorageName: string | null; thumbWidth: number | null; thumbHeight: number | null };

export function toAttachmentDTO(a: AttachmentRow): AttachmentDTO {
  const thumb = a.thumbStorageName != null;
  return {
    id: a.id,
    url: attachmentUrl(a.id),
    mime: a.mime,
    width: a.width,
    height: a.height,
    thumbUrl: thumb ? attachmentUrl(a.id, "thumb") : null,
    thumbWidth: thumb ? a.thumbWidth : null,
    thumbHeight: thumb ? a.thumbHeight : null,
  };
}

const messageColumns = {
  m: messages,
  senderName: users.displayName,
  att: {
    id: attachments.id,
    mime: attachments.mime,
    width: attachments.width,
    height: attachments.height,
    thumbStorageName: attachments.thumbStorageName,
    thumbWidth: attachments.thumbWidth,
    thumbHeight: attachments.thumbHeight,
  },
  reply: { id: replyMsg.id, senderKind: replyMsg.senderKind, body: replyMsg.body, attachmentId: replyMsg.attachmentId },
};

/** Messages with sender name, reply excerpt and attachment, in one query. */
export function selectMessageDTOs(db: Db) {
  return db
    .select(messageColumns)
    .from(messages)
    .leftJoin(users, eq(users.id, messages.senderId))
    .leftJoin(attachments, eq(attachments.id, messages.attachmentId))
    .leftJoin(replyMsg, and(eq(replyMsg.id, messages.replyToId), eq(replyMsg.conversationId, messages.conversationId)));
}

type Row = {
  m: typeof messages.$inferSelect;
  senderName: string | null;
  att: AttachmentRow | null;
  reply: { id: number; senderKind: MessageDTO["senderKind"]; body: string; attachmentId: number | null } | null;
};

export function toMessageDTO(r: Row): MessageDTO {
  const m = r.m;
  return {
    id: m.id,
    conversationId: m.conversationId,
    senderKind: m.senderKind,
    senderId: m.senderId,
    // Visitors see "Support", not staff names, only where the UI chooses; the name is harmless.
    senderName: m.senderKind === "ai" ? "Support" : r.senderName,
    body: m.body,
    clientMsgId: m.clientMsgId,
    replyTo: r.reply?.id
      ? { id: r.reply.id, senderKind: r.reply.senderKind, excerpt: r.reply.body.slice(0, 140), hasImage: r.reply.attachmentId != null }
      : null,
    attachment: r.att?.id ? toAttachmentDTO(r.att) : null,
    createdAt: m.createdAt.toISOString(),
    deliveredAt: m.deliveredAt?.toISOString() ?? null,
    readAt: m.readAt?.toISOString() ?? null,
  };
}

export async function loadMessageDTO(db: Db, id: number): Promise<MessageDTO> {
  const [r] = await selectMessageDTOs(db).where(eq(messages.id, id)).limit(1);
  return toMessageDTO(r as Row);
}

export async function loadMessageDTOs(db: Db, where: SQL | undefined, order: SQL[], limit: number): Promise<MessageDTO[]> {
  const rows = await selectMessageDTOs(db).where(where).orderBy(...order).limit(limit);
  return (rows as Row[]).map(toMessageDTO);
}

const assignee = alias(users, "assignee");

export async function loadConversationDTOs(db: Db, ids: number[]): Promise<ConversationDTO[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ c: conversations, v: visitors, assigneeName: assignee.displayName })
    .from(conversations)
    .innerJoin(visitors, eq(visitors.id, conversations.visitorId))
    .leftJoin(assignee, eq(assignee.id, conversations.assigneeId))
    .where(inArray(conversations.id, ids));
  return rows.map(({ c, v, assigneeName }) => ({
    id: c.id,
    projectId: c.projectId,
    status: c.status,
    assigneeId: c.assigneeId,
    assigneeName: c.assignedToAi ? "AI" : assigneeName,
    assignedToAi: c.assignedToAi,
    leadStage: c.leadStage,
    visitor: { id: v.id, name: v.name, phone: v.phone, email: v.email },
    lastMessageAt: c.lastMessageAt.toISOString(),
    lastMessagePreview: c.lastMessagePreview,
    staffUnread: c.staffUnread,
    createdAt: c.createdAt.toISOString(),
    closedAt: c.closedAt?.toISOString() ?? null,
  }));
}

export async function loadConversationDTO(db: Db, id: number): Promise<ConversationDTO> {
  const [dto] = await loadConversationDTOs(db, [id]);
  return dto;
}

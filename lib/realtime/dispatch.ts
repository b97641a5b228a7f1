import { eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { users } from "../../db/schema";
import type { Ctx } from "../auth/ctx";
import { can } from "../auth/permissions";
import { canWrite, getConversationOrThrow } from "../chat/access";
import { listMessagesAfter, loadReceiptState, readMessagePage } from "../chat/history";
import { loadConversationDTO } from "../chat/dto";
import { visitorCameOnline, visitorWentAway } from "../chat/lifecycle";
import { markReceipt } from "../chat/receipts";
import { sendMessage } from "../chat/send-message";
import { toWsError } from "../errors";
import { singleton } from "../singleton";
import type { Conn, Hub } from "./hub";
import { ClientMessage, room, visitorView, type ServerMessage } from "./protocol";
import { publishConversations, publishMessage, publishToConversation } from "./publish";
import { drainAndPublish } from "../routing";

function ctxFor(conn: Conn, db: Ctx["db"]): Ctx {
  const id = conn.identity;
  return {
    actor: id.kind === "staff" ? id.actor : { type: "visitor", visitorId: id.visitorId, projectId: id.projectId },
    db,
    now: new Date(),
    ip: conn.ip,
  };
}

/** Visitor sockets per conversation on this instance: the 15 s grace starts when the last one closes. */
const visitorSockets = () => singleton("visitor-sockets", () => new Map<number, number>());

async function visitorJoined(db: Ctx["db"], conversationId: number, now: Date) {
  const m = visitorSockets();
  const n = (m.get(conversationId) ?? 0) + 1;
  m.set(conversationId, n);
  if (n === 1 && (await visitorCameOnline(db, conversationId, now))) await publishConversations(db, [conversationId]);
}

async function visitorLeft(db: Ctx["db"], conversationId: number, now: Date) {
  const m = visitorSockets();
  const n = (m.get(conversationId) ?? 1) - 1;
  if (n > 0) return void m.set(conversationId, n);
  m.delete(conversationId);
  await visitorWentAway(db, conversationId, now);
}

/** Connection closed: release its visitor presence. */
export async function onConnClose(conn: Conn, rooms: string[]) {
  if (conn.identity.kind !== "visitor") return;
  const db = await getDb();
  for (const r of rooms) {
    const prefix = room.conversationVisitor(0).slice(0, -1);
    if (r.startsWith(prefix)) await visitorLeft(db, Number(r.slice(prefix.length)), new Date());
  }
}

/** A new staff connection: personal room, and the all-chats inbox for roles that see every chat. */
export function onConnOpen(hub: Hub, conn: Conn) {
  if (conn.identity.kind !== "staff") return;
  hub.join(conn, room.staff(conn.identity.userId));
  if (can(conn.identity.actor, "chat.view_all")) hub.join(conn, room.inboxAll);
  else if (can(conn.identity.actor, "chat.pick_queued")) hub.join(conn, room.inboxAgents);
}

/**
 * Turn one raw client frame into a domain call, then publish what changed.
 * Invalid frames get an error frame and the socket stays open.
 */
export function createDispatcher(getHub: () => Hub) {
  return async function dispatch(conn: Conn, raw: string) {
    const hub = getHub();
    let ref: string | undefined;
    try {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return hub.send(conn, { type: "error", code: "bad_request", message: "Frames must be JSON." });
      }
      if (json && typeof json === "object" && typeof (json as { ref?: unknown }).ref === "string") {
        ref = (json as { ref: string }).ref.slice(0, 64);
      }
      const msg = ClientMessage.parse(json);
      if (msg.type === "ping") return hub.send(conn, { type: "pong", ref: msg.ref });

      const db = await getDb();
      const ctx = ctxFor(conn, db);
      switch (msg.type) {
        case "join": {
          const c = await getConversationOrThrow(ctx, msg.conversationId, "read");
          // Closed while we were looking it up: joining now would leak a room entry and a presence count.
          if (conn.ws.readyState !== conn.ws.OPEN) return;
          const isVisitor = conn.identity.kind === "visitor";
          hub.join(conn, isVisitor ? room.conversationVisitor(c.id) : room.conversation(c.id));
          // `join` is also how a client re-syncs: presence counts a socket once per chat, in the
          // same tick as the room join, so a close can't slip between them.
          const firstJoin = !conn.joined.has(c.id);
          conn.joined.add(c.id);
          const presence = isVisitor && firstJoin ? visitorJoined(db, c.id, ctx.now) : null;
          let messages, more, olderCursor: string | null = null;
          if (msg.afterId !== undefined) {
            ({ messages, more } = await listMessagesAfter(ctx, c.id, msg.afterId));
          } else {
            const page = await readMessagePage(db, c.id, undefined);
            messages = page.messages;
            more = false;
            olderCursor = page.nextCursor;
          }
          const frame: ServerMessage = {
            type: "joined",
            ref: msg.ref,
            conversationId: c.id,
            messages,
            more,
            olderCursor,
            receipts: await loadReceiptState(ctx, c.id),
            conversation: isVisitor ? visitorView(await loadConversationDTO(db, c.id)) : await loadConversationDTO(db, c.id),
          };
          hub.send(conn, frame);
          await presence;
          return;
        }
        case "leave": {
          const r = conn.identity.kind === "visitor" ? room.conversationVisitor(msg.conversationId) : room.conversation(msg.conversationId);
          const had = conn.rooms.has(r);
          hub.leave(conn, r);
          conn.joined.delete(msg.conversationId);
          if (had && conn.identity.kind === "visitor") await visitorLeft(db, msg.conversationId, ctx.now);
          return;
        }
        case "send": {
          const res = await sendMessage({ ctx, input: msg });
          hub.send(conn, { type: "ack", ref: msg.ref, clientMsgId: res.message.clientMsgId, message: res.message });
          if (res.duplicate) return;
          const convId = res.message.conversationId;
          if (res.movedFrom) {
            // The visitor's chat had ended: every tab of theirs follows to the new one.
            publishToConversation(res.movedFrom, { type: "moved", fromConversationId: res.movedFrom, toConversationId: convId });
          }
          publishMessage(res.message, res.assigneeId, conn.id);
          if (res.conversationChanged) await publishConversations(db, [convId]);
          // A visitor back after "chat ended" is a new chat: route it now.
          if (res.movedFrom) await drainAndPublish(db, ctx.now);
          return;
        }
        case "typing": {
          // Only a connection that joined, and may still write there (reassignment), shows a typing pill.
          if (!conn.joined.has(msg.conversationId)) return;
          if (!canWrite(ctx.actor, await getConversationOrThrow(ctx, msg.conversationId, "read"))) return;
          publishToConversation(
            msg.conversationId,
            {
              type: "typing",
              conversationId: msg.conversationId,
              who: conn.identity.kind === "visitor" ? "visitor" : "staff",
              on: msg.on,
            },
            conn.id,
          );
          return;
        }
        case "delivered":
        case "read": {
          if (!conn.joined.has(msg.conversationId)) return;
          const r = await markReceipt({ ctx, input: { conversationId: msg.conversationId, upToId: msg.upToId, kind: msg.type } });
          if (!r) return;
          publishToConversation(r.conversationId, { type: "receipt", ...r });
          if (r.side === "visitor" && r.kind === "read") await publishConversations(db, [r.conversationId]);
          return;
        }
        case "heartbeat": {
          if (conn.identity.kind === "staff") {
            await db.update(users).set({ lastActivityAt: ctx.now }).where(eq(users.id, conn.identity.userId));
          }
          return;
        }
      }
    } catch (err) {
      hub.send(conn, toWsError(err, ref));
    }
  };
}

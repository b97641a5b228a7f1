import { assertCan } from "../auth/permissions";
import { touchStaffSession } from "../auth/staff-sessions";
import { getDb } from "../../db/client";
import type { Ctx } from "../ctx";
import { canWrite, getConversationOrThrow } from "../chat/access";
import { listMessagesAfter, loadReceiptState, readMessagePage } from "../chat/history";
import { loadConversationDTO } from "../chat/dto";
import { visitorCameOnline, visitorWentAway } from "../chat/lifecycle";
import { markReceipt } from "../chat/receipts";
import { sendMessage } from "../chat/send-message";
import { AppError, toWsError } from "../errors";
import { consumeLimit, type LimitName } from "../security/rate-limits";
import { recordStrike } from "../security/strikes";
import { loadVisitorView, recordActivity, staffConnectionsChanged } from "../routing";
import { singleton } from "../singleton";
import { effects, type Effects } from "../verb";
import { syncInboxRooms } from "./access";
import type { Conn, Hub, Lifecycle } from "./hub";
import { ClientMessage, room, type ServerMessage } from "./protocol";

/** lib/effects.ts's applyEffects, handed in by server.ts (the effects layer sits above the transport). */
export type ApplyEffects = (ctx: Ctx, fx: Effects, opts?: { exceptConn?: string }) => Promise<void>;
export type DispatchDeps = { hub: () => Hub; apply: ApplyEffects };

function ctxFor(conn: Conn, db: Ctx["db"]): Ctx {
  const id = conn.identity;
  return {
    actor: id.kind === "staff" ? id.actor : { type: "visitor", visitorId: id.visitorId, projectId: id.projectId },
    db,
    now: new Date(),
    ip: conn.ip,
  };
}

async function visitorViewOrThrow(db: Ctx["db"], id: number) {
  const view = await loadVisitorView(db, id);
  if (!view) throw new AppError("not_found", "Conversation not found.");
  return view;
}

/** Frames that cost the server work, and the limit each counts against (lib/security/rate-limits.ts). */
const FRAME_LIMITS: Partial<Record<ClientMessage["type"], LimitName>> = {
  send: "wsSend",
  typing: "wsTyping",
  delivered: "wsReceipt",
  read: "wsReceipt",
};

/**
 * Per client (the visitor, or the staff member, across their sockets): over
 * the limit the frame is dropped, the socket stays up. The first drop in a
 * window gets an error frame and counts as a `rate_limit` strike against the
 * address (5 in 10 minutes → a 20-minute block, which closes the socket).
 */
async function withinFrameLimit(conn: Conn, name: LimitName, db: Ctx["db"], hub: Hub, ref: string | undefined): Promise<boolean> {
  const id = conn.identity;
  const r = await consumeLimit(name, id.kind === "staff" ? `s:${id.userId}` : `v:${id.visitorId}`);
  if (r.ok) return true;
  limitedUntil(conn).set(name, Date.now() + r.retryAfterMs);
  if (r.firstHit) {
    hub.send(conn, { type: "error", ref, code: "rate_limited", message: "You're sending too fast. Please slow down." });
    if (conn.ip && (await recordStrike(db, conn.ip, "rate_limit"))) conn.ws.close(1008, "blocked");
  }
  return false;
}

/**
 * Per connection: until when each of its limits is known to be spent. A
 * flood's excess frames are then dropped before they are even validated or
 * cost a limiter round trip (Redis, with several instances), so one socket's
 * flood costs the event loop as little as possible. The limit itself is still
 * the shared one: this only remembers its last answer until it can change.
 */
const spent = new WeakMap<Conn, Map<LimitName, number>>();
function limitedUntil(conn: Conn): Map<LimitName, number> {
  let m = spent.get(conn);
  if (!m) spent.set(conn, (m = new Map()));
  return m;
}
function knownOverLimit(conn: Conn, type: unknown): boolean {
  if (typeof type !== "string" || !Object.hasOwn(FRAME_LIMITS, type)) return false;
  const until = spent.get(conn)?.get(FRAME_LIMITS[type as ClientMessage["type"]]!);
  return until !== undefined && Date.now() < until;
}

/**
 * Frames that write into a chat besides `send` (sendMessage refuses that itself, hiding chats the
 * sender may not read): a typing pill, a receipt watermark (the visitor's ticks).
 */
const WRITING_FRAMES = new Set<ClientMessage["type"]>(["typing", "delivered", "read"]);

/** Visitor sockets per conversation on this instance: the 15 s grace starts when the last one closes. */
const visitorSockets = () => singleton("visitor-sockets", () => new Map<number, number>());

async function visitorJoined(ctx: Ctx, conversationId: number): Promise<Effects> {
  const m = visitorSockets();
  const n = (m.get(conversationId) ?? 0) + 1;
  m.set(conversationId, n);
  if (n > 1) return effects();
  const woke = await visitorCameOnline(ctx, conversationId);
  return effects({ conversations: woke ? [{ id: conversationId }] : [] });
}

async function visitorLeft(ctx: Ctx, conversationId: number): Promise<void> {
  const m = visitorSockets();
  const n = (m.get(conversationId) ?? 1) - 1;
  if (n > 0) return void m.set(conversationId, n);
  m.delete(conversationId);
  await visitorWentAway(ctx, conversationId);
}

/**
 * What a connection's opening and closing change: a staff socket joins its
 * rooms and counts towards presence (an agent coming online drains the
 * queue); a visitor socket's close starts the 15 s grace of its chats.
 */
export function connectionLifecycle({ hub, apply }: DispatchDeps): Required<Lifecycle> {
  const presence = async (conn: Conn) => {
    if (conn.identity.kind !== "staff") return;
    const db = await getDb();
    const now = new Date();
    const h = hub();
    const fx = await staffConnectionsChanged(db, {
      actor: conn.identity.actor,
      instanceId: h.instanceId,
      connections: h.userConns(conn.identity.userId).length,
      now,
    });
    await apply(ctxFor(conn, db), fx);
  };
  return {
    onOpen: async (conn) => {
      syncInboxRooms(hub(), conn);
      await presence(conn);
    },
    onClose: async (conn, rooms) => {
      if (conn.identity.kind === "staff") return presence(conn);
      const ctx = ctxFor(conn, await getDb());
      const prefix = room.conversationVisitor(0).slice(0, -1);
      for (const r of rooms) if (r.startsWith(prefix)) await visitorLeft(ctx, Number(r.slice(prefix.length)));
    },
  };
}

/**
 * Turn one raw client frame into a domain call, then hand what it changed to
 * the effects layer. Invalid frames get an error frame and the socket stays open.
 */
export function createDispatcher({ hub: getHub, apply }: DispatchDeps) {
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
      // Over a limit already: dropped unread (the error frame went out with the first drop).
      if (json && typeof json === "object" && knownOverLimit(conn, (json as { type?: unknown }).type)) return;
      if (json && typeof json === "object" && typeof (json as { ref?: unknown }).ref === "string") {
        ref = (json as { ref: string }).ref.slice(0, 64);
      }
      const msg = ClientMessage.parse(json);
      if (msg.type === "ping") return hub.send(conn, { type: "pong", ref: msg.ref });

      const db = await getDb();
      const ctx = ctxFor(conn, db);
      const limit = FRAME_LIMITS[msg.type];
      if (limit && !(await withinFrameLimit(conn, limit, db, hub, ref))) return;
      // A staff socket that may write in no chat at all (QA) is refused every writing frame out loud;
      // one that may write elsewhere (an agent whose chat was just reassigned) is dropped quietly below.
      if (WRITING_FRAMES.has(msg.type) && conn.identity.kind === "staff") assertCan(conn.identity.actor, "chat.reply");
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
          const presence = isVisitor && firstJoin ? visitorJoined(ctx, c.id) : null;
          let messages, more, olderCursor: string | null = null;
          if (msg.afterId !== undefined) {
            ({ messages, more } = await listMessagesAfter(ctx, c.id, msg.afterId));
          } else {
            const page = await readMessagePage(db, c.id, undefined);
            messages = page.messages;
            more = false;
            olderCursor = page.nextCursor;
          }
          const dto = await loadConversationDTO(db, c.id);
          hub.send(conn, {
            type: "joined",
            ref: msg.ref,
            conversationId: c.id,
            messages,
            more,
            olderCursor,
            receipts: await loadReceiptState(ctx, c.id),
            conversation: isVisitor ? await visitorViewOrThrow(db, c.id) : dto,
          } satisfies ServerMessage);
          if (presence) await apply(ctx, await presence);
          return;
        }
        case "leave": {
          const r = conn.identity.kind === "visitor" ? room.conversationVisitor(msg.conversationId) : room.conversation(msg.conversationId);
          const had = conn.rooms.has(r);
          hub.leave(conn, r);
          conn.joined.delete(msg.conversationId);
          if (had && conn.identity.kind === "visitor") await visitorLeft(ctx, msg.conversationId);
          return;
        }
        case "send": {
          const { result, effects: fx } = await sendMessage({ ctx, input: msg });
          // ✓ only after commit; the sender's own socket gets the ack instead of the broadcast.
          hub.send(conn, { type: "ack", ref: msg.ref, clientMsgId: result.message.clientMsgId, message: result.message });
          await apply(ctx, fx, { exceptConn: conn.id });
          return;
        }
        case "typing": {
          // Only a connection that joined, and may still write there (reassignment), shows a typing pill.
          if (!conn.joined.has(msg.conversationId)) return;
          if (!canWrite(ctx.actor, await getConversationOrThrow(ctx, msg.conversationId, "read"))) return;
          const who = conn.identity.kind === "visitor" ? "visitor" : "staff";
          await apply(ctx, effects({ chatFrames: [{ type: "typing", conversationId: msg.conversationId, who, on: msg.on }] }), { exceptConn: conn.id });
          return;
        }
        case "delivered":
        case "read": {
          // Delivered means "this connection received it", joined or not: a console gets its
          // own chats' messages in its inbox room. Read needs the chat open (joined).
          if (msg.type === "read" && !conn.joined.has(msg.conversationId)) return;
          const { effects: fx } = await markReceipt({ ctx, input: { conversationId: msg.conversationId, upToId: msg.upToId, kind: msg.type } });
          await apply(ctx, fx);
          return;
        }
        case "heartbeat": {
          if (conn.identity.kind !== "staff") return;
          await recordActivity({ ctx: { ...ctx, actor: conn.identity.actor } });
          // Working in an open console counts as using the session (its idle timeout), not only HTTP requests.
          if (conn.identity.sessionId) await touchStaffSession(ctx.db, conn.identity.sessionId, ctx.now);
          return;
        }
      }
    } catch (err) {
      hub.send(conn, wsError(err, ref));
    }
  };
}

/** The retryable error code (components/chat/chat-sync.ts retries sends and joins on it). */
const UNAVAILABLE = "unavailable";

/**
 * The error frame for a failed frame. A database that is briefly gone (a lost
 * connection, a failover, a serialisation failure) is neither the client's
 * fault nor a bug: it is `unavailable`, which clients retry (a send with the
 * same clientMsgId, so nothing is stored twice), where `internal` is final.
 */
function wsError(err: unknown, ref: string | undefined): ServerMessage {
  const frame = toWsError(err, ref);
  return frame.code === UNAVAILABLE ? { ...frame, message: "The server is briefly unavailable. Trying again…" } : frame;
}

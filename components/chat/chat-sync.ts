import { ACK_TIMEOUT_MS } from "@/lib/constants";
import type {
  ClientMessage,
  ConversationDTO,
  MessageDTO,
  ReceiptState,
  ServerMessage,
  VisitorConversationView,
} from "@/lib/realtime/protocol";

/**
 * One conversation's client-side state as a pure reducer: what the thread
 * shows, what is synced, what waits in the outbox. No sockets, timers or
 * React here (useChat is the glue), so every ordering the network can produce
 * is a unit test.
 */

export type Side = "visitor" | "staff";
/** What the thread shows: stored messages plus this tab's unacknowledged sends. */
export type ThreadMessage = MessageDTO & { local?: "pending" | "failed" };
export type Tick = "pending" | "failed" | "sent" | "delivered" | "read";

export type Outgoing = {
  clientMsgId: string;
  body: string;
  replyToId?: number;
  attachmentId?: number;
  /** When it last went out on an open socket; null while it waits for one (offline, a message waits rather than fails). */
  sentAt: number | null;
  /** Times the server answered "unavailable" (a database blip) since it was written or last retried by hand. */
  attempts?: number;
  /** When the next automatic retry goes out (after an "unavailable"); null/absent when none is scheduled. */
  retryAt?: number | null;
};

/**
 * The error code a server sends when the database was briefly unavailable
 * (lib/realtime/dispatch.ts): the frame may succeed if sent again. A send is
 * retried with the same clientMsgId, so the server never stores it twice.
 */
export const RETRYABLE_CODE = "unavailable";
/** First automatic retry after an "unavailable": 0.5 s, then doubling… */
export const RETRY_BASE_MS = 500;
/** …six times (0.5 + 1 + 2 + 4 + 8 + 16 ≈ 30 s of trying); after that the message shows "Not sent — Retry". */
export const MAX_AUTO_RETRIES = 6;

/** The wait before automatic retry number `attempt` (1-based), or null once they are used up. */
export function retryDelayMs(attempt: number): number | null {
  return attempt >= 1 && attempt <= MAX_AUTO_RETRIES ? RETRY_BASE_MS * 2 ** (attempt - 1) : null;
}

export type ChatSyncState = {
  side: Side;
  conversationId: number;
  /** Stored messages by id, then local (pending / failed) ones in the order they were written. */
  messages: ThreadMessage[];
  /** Staff get the full chat; a visitor only ever gets { id, status }. */
  conversation: ConversationDTO | VisitorConversationView | null;
  receipts: ReceiptState;
  otherTyping: boolean;
  /** The first `joined` arrived (history is on screen). */
  loaded: boolean;
  /** Joined on the current socket: live frames and receipts flow. */
  live: boolean;
  olderCursor: string | null;
  /**
   * Every message up to this id is here (null: never joined). Advanced by
   * `joined` and along the prevId chain only, so the `afterId` of a rejoin
   * never skips a message whose frame was lost or is still on its way.
   */
  syncedUpTo: number | null;
  /** Live messages that arrived ahead of their predecessor: prevId → id. */
  ahead: Record<number, number>;
  outbox: Outgoing[];
  /** Highest ids this tab already acknowledged, so each receipt goes out once. */
  sentReceipts: { delivered: number; read: number };
  /** The server took this socket out of the chat (rights changed): nothing more is sent for it. */
  revoked: boolean;
  error: string | null;
};

export type ChatSyncEvent =
  /** `now` dates the automatic retry an "unavailable" error schedules (without it, the retry is due at once). */
  | { type: "frame"; frame: ServerMessage; now?: number }
  /** The socket (re)opened and a join is going out. */
  | { type: "opened"; now: number }
  | { type: "disconnected" }
  /** These outbox entries just went out on the socket. */
  | { type: "sent"; clientMsgIds: string[]; now: number }
  | { type: "send"; outgoing: Omit<Outgoing, "sentAt">; preview?: Partial<MessageDTO>; now: number }
  | { type: "retry"; clientMsgId: string }
  /** Periodic check: sends unacknowledged for ACK_TIMEOUT_MS fail (with retry). */
  | { type: "expire"; now: number }
  /** The typing pill's safety clear (TYPING_CLEAR_MS after the last "on"). */
  | { type: "typingTimeout" }
  | { type: "receiptSent"; kind: "delivered" | "read"; upToId: number }
  | { type: "olderPage"; messages: MessageDTO[]; nextCursor: string | null }
  | { type: "error"; message: string }
  /** The visitor's chat moved (a message on a closed chat started a new one). */
  | { type: "switch"; conversationId: number };

const NO_RECEIPTS: ReceiptState = { visitorMsgsDeliveredUpTo: 0, visitorMsgsReadUpTo: 0, staffMsgsDeliveredUpTo: 0, staffMsgsReadUpTo: 0 };

export function initChatSync(side: Side, conversationId: number): ChatSyncState {
  return {
    side,
    conversationId,
    messages: [],
    conversation: null,
    receipts: NO_RECEIPTS,
    otherTyping: false,
    loaded: false,
    live: false,
    olderCursor: null,
    syncedUpTo: null,
    ahead: {},
    outbox: [],
    sentReceipts: { delivered: 0, read: 0 },
    revoked: false,
    error: null,
  };
}

export function isMine(side: Side, m: Pick<MessageDTO, "senderKind">): boolean {
  return side === "visitor" ? m.senderKind === "visitor" : m.senderKind !== "visitor";
}

/** The ref a join carries, so an error about it is told apart from another chat's on a shared socket. */
export function joinRef(conversationId: number): string {
  return `join:${conversationId}`;
}

/** The join to send on every (re)open: a first one loads the last page, later ones ask for what was missed. */
export function joinFrame(s: ChatSyncState): ClientMessage {
  return { type: "join", ref: joinRef(s.conversationId), conversationId: s.conversationId, afterId: s.syncedUpTo ?? undefined };
}

export function sendFrame(conversationId: number, o: Omit<Outgoing, "sentAt">): ClientMessage {
  return {
    type: "send",
    ref: o.clientMsgId,
    conversationId,
    clientMsgId: o.clientMsgId,
    body: o.body,
    replyToId: o.replyToId,
    attachmentId: o.attachmentId,
  };
}

/** Sends whose automatic retry is due at `now` (the socket must be joined for them to go out). */
export function retriesDue(s: ChatSyncState, now: number): Outgoing[] {
  return s.outbox.filter((o) => o.retryAt != null && o.retryAt <= now);
}

/** When the earliest scheduled retry is due, or null. */
export function nextRetryAt(s: ChatSyncState): number | null {
  let at: number | null = null;
  for (const o of s.outbox) if (o.retryAt != null && (at === null || o.retryAt < at)) at = o.retryAt;
  return at;
}

/** The tick of one of my messages (null for the other side's). */
export function tickOf(s: ChatSyncState, m: ThreadMessage): Tick | null {
  if (!isMine(s.side, m)) return null;
  if (m.local) return m.local;
  const r = s.receipts;
  const readUpTo = s.side === "visitor" ? r.visitorMsgsReadUpTo : r.staffMsgsReadUpTo;
  const deliveredUpTo = s.side === "visitor" ? r.visitorMsgsDeliveredUpTo : r.staffMsgsDeliveredUpTo;
  if (m.readAt || m.id <= readUpTo) return "read";
  if (m.deliveredAt || m.id <= deliveredUpTo) return "delivered";
  return "sent";
}

/** Receipts this tab owes the other side: delivered always, read only when a person has the chat in front of them. */
export function receiptsDue(s: ChatSyncState, inFront: boolean): { delivered?: number; read?: number } {
  if (s.revoked || !s.live) return {};
  let lastOther = 0;
  for (const m of s.messages) if (!m.local && !isMine(s.side, m) && m.id > lastOther) lastOther = m.id;
  return {
    delivered: lastOther > s.sentReceipts.delivered ? lastOther : undefined,
    read: inFront && lastOther > s.sentReceipts.read ? lastOther : undefined,
  };
}

export function chatSync(s: ChatSyncState, e: ChatSyncEvent): ChatSyncState {
  switch (e.type) {
    case "frame":
      return onFrame(s, e.frame, e.now ?? 0);
    case "opened":
      // The ack timeout of queued sends runs from now, not from when they were written offline;
      // the rejoin sends them all at once, scheduled retries included.
      return { ...s, outbox: s.outbox.map((o) => ({ ...o, sentAt: e.now, retryAt: null })) };
    case "disconnected":
      if (!s.live && !s.otherTyping && s.outbox.every((o) => o.sentAt === null)) return s;
      return { ...s, live: false, otherTyping: false, outbox: s.outbox.map((o) => ({ ...o, sentAt: null })) };
    case "sent": {
      const ids = new Set(e.clientMsgIds);
      return { ...s, outbox: s.outbox.map((o) => (ids.has(o.clientMsgId) ? { ...o, sentAt: e.now, retryAt: null } : o)) };
    }
    case "send": {
      if (s.revoked) return s;
      const o = e.outgoing;
      const local: ThreadMessage = {
        id: Number.MAX_SAFE_INTEGER,
        conversationId: s.conversationId,
        senderKind: s.side === "visitor" ? "visitor" : "agent",
        senderId: null,
        senderName: null,
        body: o.body,
        clientMsgId: o.clientMsgId,
        replyTo: null,
        attachment: null,
        createdAt: new Date(e.now).toISOString(),
        deliveredAt: null,
        readAt: null,
        ...e.preview,
        local: "pending",
      };
      return {
        ...s,
        messages: [...s.messages.filter((m) => m.clientMsgId !== o.clientMsgId), local],
        outbox: [...s.outbox.filter((x) => x.clientMsgId !== o.clientMsgId), { ...o, sentAt: null }],
      };
    }
    case "retry": {
      const m = s.messages.find((x) => x.local === "failed" && x.clientMsgId === e.clientMsgId);
      if (!m || s.revoked) return s;
      // Same clientMsgId: should the first attempt have been stored after all, the server returns it instead of a copy.
      const o: Outgoing = { clientMsgId: m.clientMsgId, body: m.body, replyToId: m.replyTo?.id, attachmentId: m.attachment?.id, sentAt: null };
      return {
        ...s,
        messages: [...s.messages.filter((x) => x !== m), { ...m, local: "pending" }],
        outbox: [...s.outbox.filter((x) => x.clientMsgId !== o.clientMsgId), o],
      };
    }
    case "expire": {
      const expired = new Set(s.outbox.filter((o) => o.sentAt !== null && e.now - o.sentAt > ACK_TIMEOUT_MS).map((o) => o.clientMsgId));
      return expired.size ? fail(s, expired) : s;
    }
    case "typingTimeout":
      return s.otherTyping ? { ...s, otherTyping: false } : s;
    case "receiptSent": {
      const cur = s.sentReceipts[e.kind];
      return e.upToId > cur ? { ...s, sentReceipts: { ...s.sentReceipts, [e.kind]: e.upToId } } : s;
    }
    case "olderPage":
      return { ...s, messages: merge(s, e.messages), olderCursor: e.nextCursor };
    case "error":
      return { ...s, error: e.message };
    case "switch": {
      if (e.conversationId === s.conversationId) return s;
      // Unacknowledged sends follow the visitor to the new chat; the server dedupes by clientMsgId.
      const keep = new Set(s.outbox.map((o) => o.clientMsgId));
      return {
        ...initChatSync(s.side, e.conversationId),
        messages: s.messages.filter((m) => m.local && keep.has(m.clientMsgId)).map((m) => ({ ...m, conversationId: e.conversationId })),
        outbox: s.outbox,
      };
    }
  }
}

function onFrame(s: ChatSyncState, f: ServerMessage, now: number): ChatSyncState {
  if (s.revoked) return s;
  switch (f.type) {
    case "joined": {
      if (f.conversationId !== s.conversationId) return s;
      const last = f.messages.at(-1);
      const { syncedUpTo, ahead } = advance(last ? Math.max(s.syncedUpTo ?? 0, last.id) : (s.syncedUpTo ?? 0), s.ahead);
      return {
        ...s,
        messages: merge(s, f.messages),
        outbox: withoutStored(s, f.messages),
        conversation: f.conversation,
        receipts: maxReceipts(s.receipts, f.receipts),
        // Only the first join's cursor points before the first page; a rejoin's messages come after it.
        olderCursor: s.loaded ? s.olderCursor : f.olderCursor,
        loaded: true,
        live: true,
        syncedUpTo,
        ahead,
        error: null,
      };
    }
    case "ack":
    case "message": {
      const m = f.message;
      if (m.conversationId !== s.conversationId) {
        // An ack from another chat is still ours when the clientMsgId is: the message started a new chat
        // (the `moved` that follows switches to it, and its join brings the message back).
        if (f.type !== "ack" || !s.outbox.some((o) => o.clientMsgId === f.clientMsgId)) return s;
        return { ...s, outbox: s.outbox.filter((o) => o.clientMsgId !== f.clientMsgId) };
      }
      let next: ChatSyncState = { ...s, messages: merge(s, [m]), outbox: withoutStored(s, [m]) };
      if (f.type === "ack") next.outbox = next.outbox.filter((o) => o.clientMsgId !== f.clientMsgId);
      if (m.prevId !== undefined) {
        const ahead = m.id > (s.syncedUpTo ?? 0) ? { ...s.ahead, [m.prevId]: m.id } : s.ahead;
        next = s.syncedUpTo === null ? { ...next, ahead } : { ...next, ...advance(s.syncedUpTo, ahead) };
      }
      if (f.type === "message" && !isMine(s.side, m)) next.otherTyping = false;
      return next;
    }
    case "receipt": {
      if (f.conversationId !== s.conversationId) return s;
      const r = { ...s.receipts };
      if (f.side === "visitor") {
        r.visitorMsgsDeliveredUpTo = Math.max(r.visitorMsgsDeliveredUpTo, f.upToId);
        if (f.kind === "read") r.visitorMsgsReadUpTo = Math.max(r.visitorMsgsReadUpTo, f.upToId);
      } else {
        r.staffMsgsDeliveredUpTo = Math.max(r.staffMsgsDeliveredUpTo, f.upToId);
        if (f.kind === "read") r.staffMsgsReadUpTo = Math.max(r.staffMsgsReadUpTo, f.upToId);
      }
      return { ...s, receipts: maxReceipts(s.receipts, r) };
    }
    case "typing":
      if (f.conversationId !== s.conversationId || !typingFromOther(s.side, f.who)) return s;
      return f.on === s.otherTyping ? s : { ...s, otherTyping: f.on };
    case "conversation":
      return f.conversation.id === s.conversationId ? { ...s, conversation: f.conversation } : s;
    case "chat":
      return f.chat.id === s.conversationId ? { ...s, conversation: f.chat } : s;
    case "revoked": {
      if (f.conversationId !== s.conversationId) return s;
      const next = fail(s, new Set(s.outbox.map((o) => o.clientMsgId)));
      return { ...next, revoked: true, live: false, otherTyping: false };
    }
    case "error": {
      const o = f.ref ? s.outbox.find((x) => x.clientMsgId === f.ref) : undefined;
      if (o && f.code === RETRYABLE_CODE) {
        // A database blip: still "Sending…", sent again (same clientMsgId) after a growing pause.
        const attempts = (o.attempts ?? 0) + 1;
        const delay = retryDelayMs(attempts);
        if (delay !== null) {
          return { ...s, outbox: s.outbox.map((x) => (x === o ? { ...x, attempts, sentAt: null, retryAt: now + delay } : x)) };
        }
      }
      if (o) {
        // Refused for good (e.g. the chat closed), or still unavailable after ~30 s: failed, with Retry.
        return fail(s, new Set([o.clientMsgId]));
      }
      if (f.ref === joinRef(s.conversationId)) return { ...s, error: f.message, live: false };
      return s;
    }
    default:
      return s;
  }
}

export function typingFromOther(side: Side, who: "visitor" | "staff"): boolean {
  return side === "visitor" ? who === "staff" : who === "visitor";
}

/** Stored messages by id (a later copy wins), then local ones not stored yet. */
function merge(s: ChatSyncState, incoming: MessageDTO[]): ThreadMessage[] {
  if (incoming.length === 0) return s.messages;
  const fast = mergeAtAnEnd(s, incoming);
  if (fast) return fast;
  const byId = new Map<number, ThreadMessage>();
  const local: ThreadMessage[] = [];
  for (const m of s.messages) {
    if (m.local) local.push(m);
    else byId.set(m.id, m);
  }
  const stored = new Set<string>();
  for (const m of incoming) {
    byId.set(m.id, m);
    if (isMine(s.side, m)) stored.add(m.clientMsgId);
  }
  return [...[...byId.values()].sort((a, b) => a.id - b.id), ...local.filter((m) => !stored.has(m.clientMsgId))];
}

/**
 * The two common cases without rebuilding the list: an older page entirely
 * before the first stored message (prepend), and live messages entirely after
 * the last one (append, ahead of this tab's pending sends). Scrolling back
 * through 50,000 messages then costs the page, not the whole thread. Null
 * when the incoming messages interleave (a rejoin's catch-up): merge by id.
 */
function mergeAtAnEnd(s: ChatSyncState, incoming: MessageDTO[]): ThreadMessage[] | null {
  let firstLocal = s.messages.length;
  while (firstLocal > 0 && s.messages[firstLocal - 1].local) firstLocal--;
  if (s.messages.slice(0, firstLocal).some((m) => m.local)) return null;
  const stored = s.messages.slice(0, firstLocal);
  const sorted = [...incoming].sort((a, b) => a.id - b.id);
  for (let i = 1; i < sorted.length; i++) if (sorted[i].id === sorted[i - 1].id) return null;
  const lo = sorted[0].id;
  const hi = sorted[sorted.length - 1].id;
  const local = s.messages.slice(firstLocal);
  if (stored.length === 0 || hi < stored[0].id) {
    // Nothing older is ever one of this tab's pending sends.
    if (local.length && stored.length === 0) return null;
    return [...sorted, ...s.messages];
  }
  if (lo > stored[stored.length - 1].id) {
    const mine = new Set(sorted.filter((m) => isMine(s.side, m)).map((m) => m.clientMsgId));
    return [...stored, ...sorted, ...(mine.size ? local.filter((m) => !mine.has(m.clientMsgId)) : local)];
  }
  return null;
}

/** A message of mine that is stored (live, or in a rejoin's page) needs no ack any more. */
function withoutStored(s: ChatSyncState, incoming: MessageDTO[]): Outgoing[] {
  const stored = new Set(incoming.filter((m) => isMine(s.side, m)).map((m) => m.clientMsgId));
  return stored.size && s.outbox.some((o) => stored.has(o.clientMsgId)) ? s.outbox.filter((o) => !stored.has(o.clientMsgId)) : s.outbox;
}

/** Walk the prevId chain from `from`; links behind the new mark are dropped. */
function advance(from: number, ahead: Record<number, number>): { syncedUpTo: number; ahead: Record<number, number> } {
  let synced = from;
  const rest = { ...ahead };
  for (let next = rest[synced]; next !== undefined; next = rest[synced]) {
    delete rest[synced];
    synced = Math.max(synced, next);
  }
  for (const k of Object.keys(rest)) if (Number(k) < synced) delete rest[Number(k)];
  return { syncedUpTo: synced, ahead: rest };
}

/** Receipts only move forward: a stale `joined` or a late frame never un-reads a message. */
function maxReceipts(a: ReceiptState, b: ReceiptState): ReceiptState {
  const next: ReceiptState = {
    visitorMsgsDeliveredUpTo: Math.max(a.visitorMsgsDeliveredUpTo, b.visitorMsgsDeliveredUpTo),
    visitorMsgsReadUpTo: Math.max(a.visitorMsgsReadUpTo, b.visitorMsgsReadUpTo),
    staffMsgsDeliveredUpTo: Math.max(a.staffMsgsDeliveredUpTo, b.staffMsgsDeliveredUpTo),
    staffMsgsReadUpTo: Math.max(a.staffMsgsReadUpTo, b.staffMsgsReadUpTo),
  };
  const same = (Object.keys(next) as (keyof ReceiptState)[]).every((k) => next[k] === a[k]);
  return same ? a : next;
}

/** Turn these pending sends into failed ones (Retry keeps their clientMsgId). */
function fail(s: ChatSyncState, ids: Set<string>): ChatSyncState {
  if (ids.size === 0) return s;
  return {
    ...s,
    outbox: s.outbox.filter((o) => !ids.has(o.clientMsgId)),
    messages: s.messages.map((m) => (m.local === "pending" && ids.has(m.clientMsgId) ? { ...m, local: "failed" } : m)),
  };
}

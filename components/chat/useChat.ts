"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { ConversationDTO, MessageDTO, ReceiptState, ServerMessage, VisitorConversationView } from "@/lib/realtime/protocol";

/** What the thread shows: stored messages plus this tab's unacknowledged sends. */
export type ThreadMessage = MessageDTO & { local?: "pending" | "failed" };
export type Side = "visitor" | "staff";
export type ConnState = "connecting" | "open" | "reconnecting" | "closed";

type Outgoing = { clientMsgId: string; body: string; replyToId?: number; attachmentId?: number; sentAt: number };

const ACK_TIMEOUT_MS = 10_000;
const TYPING_SEND_EVERY_MS = 2_000;
const TYPING_IDLE_MS = 3_000;
/** Product brief: the pill clears 5 s after the last keystroke, as a safety net. */
const TYPING_CLEAR_MS = 5_000;

function newClientMsgId() {
  const a = new Uint8Array(12);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
}

function wsUrl(query: string) {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/ws${query}`;
}

function mergeById(list: ThreadMessage[], incoming: MessageDTO[]): ThreadMessage[] {
  if (incoming.length === 0) return list;
  const byId = new Map<number, ThreadMessage>();
  const pending: ThreadMessage[] = [];
  for (const m of list) {
    if (m.local) pending.push(m);
    else byId.set(m.id, m);
  }
  const doneClientIds = new Set<string>();
  for (const m of incoming) {
    byId.set(m.id, m);
    doneClientIds.add(m.clientMsgId);
  }
  const stored = [...byId.values()].sort((a, b) => a.id - b.id);
  return [...stored, ...pending.filter((p) => !doneClientIds.has(p.clientMsgId))];
}

/**
 * One live conversation over the ws hub: history, live messages, receipts,
 * typing and an outbox that survives disconnects (pending → sent on
 * reconnect; unacknowledged → failed with retry). Reconnects by itself with
 * jittered backoff and re-syncs everything after the last id it saw.
 */
export function useChat(opts: {
  side: Side;
  conversationId: number;
  /** Query string for /ws, e.g. `?vt=…&project=…` for visitors, "" for staff. */
  wsQuery: string;
  /** Headers for history requests (the visitor token). */
  headers?: Record<string, string>;
  /** Whether this viewer may send (QA and read-only viewers may not). */
  canWrite: boolean;
  /** The chat is on screen: read receipts may be sent while the tab is focused. */
  visible?: boolean;
  onMoved?: (toConversationId: number) => void;
}) {
  const { side, conversationId, wsQuery, canWrite } = opts;
  const [messages, setMessages] = useState<ThreadMessage[]>([]);
  // Staff get the full chat; a visitor only ever gets { id, status }.
  const [conversation, setConversation] = useState<ConversationDTO | VisitorConversationView | null>(null);
  const [receipts, setReceipts] = useState<ReceiptState>({
    visitorMsgsDeliveredUpTo: 0,
    visitorMsgsReadUpTo: 0,
    staffMsgsDeliveredUpTo: 0,
    staffMsgsReadUpTo: 0,
  });
  const [otherTyping, setOtherTyping] = useState(false);
  const [conn, setConn] = useState<ConnState>("connecting");
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const wsRef = useRef<WebSocket | null>(null);
  const outbox = useRef<Map<string, Outgoing>>(new Map());
  /** Everything up to this id is here (null: nothing synced yet). Advanced by `joined` and along the prevId chain. */
  const lastIdRef = useRef<number | null>(null);
  /** Live messages that arrived ahead of their predecessor: prevId → id. */
  const ahead = useRef<Map<number, number>>(new Map());
  const typingClear = useRef<ReturnType<typeof setTimeout> | null>(null);
  const typingState = useRef<{ lastSent: number; idle: ReturnType<typeof setTimeout> | null; on: boolean }>({ lastSent: 0, idle: null, on: false });
  const sentReceipt = useRef({ delivered: 0, read: 0 });
  const optsRef = useRef(opts);
  optsRef.current = opts;
  const messagesRef = useRef(messages);
  messagesRef.current = messages;

  const isMine = useCallback((m: MessageDTO) => (side === "visitor" ? m.senderKind === "visitor" : m.senderKind !== "visitor"), [side]);

  const raw = useCallback((frame: unknown) => {
    const ws = wsRef.current;
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }, []);

  /** Acknowledge the other side's messages: delivered always, read when the chat is in front of a person. */
  const sendReceipts = useCallback(() => {
    if (!optsRef.current.canWrite) return;
    let lastOther = 0;
    for (const m of messagesRef.current) if (!m.local && !isMine(m) && m.id > lastOther) lastOther = m.id;
    if (!lastOther) return;
    if (lastOther > sentReceipt.current.delivered && raw({ type: "delivered", conversationId: optsRef.current.conversationId, upToId: lastOther })) {
      sentReceipt.current.delivered = lastOther;
    }
    const inFront = document.visibilityState === "visible" && document.hasFocus() && optsRef.current.visible !== false;
    if (inFront && lastOther > sentReceipt.current.read && raw({ type: "read", conversationId: optsRef.current.conversationId, upToId: lastOther })) {
      sentReceipt.current.read = lastOther;
    }
  }, [isMine, raw]);

  const flushOutbox = useCallback(() => {
    for (const o of outbox.current.values()) {
      raw({ type: "send", ref: o.clientMsgId, conversationId: optsRef.current.conversationId, clientMsgId: o.clientMsgId, body: o.body, replyToId: o.replyToId, attachmentId: o.attachmentId });
      o.sentAt = Date.now();
    }
  }, [raw]);

  // The socket, with reconnects.
  useEffect(() => {
    let stopped = false;
    let loadedOnce = false;
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    lastIdRef.current = null;
    ahead.current.clear();
    sentReceipt.current = { delivered: 0, read: 0 };
    setMessages([]);
    setLoaded(false);

    const connect = () => {
      if (stopped) return;
      const ws = new WebSocket(wsUrl(wsQuery));
      wsRef.current = ws;
      ws.onopen = () => {
        attempt = 0;
        // Queued sends go out only after the rejoin: their ack timeout starts now, not when they
        // were written offline (else a slow rejoin after a long outage fails them unsent).
        for (const o of outbox.current.values()) o.sentAt = Date.now();
        const afterId = lastIdRef.current ?? undefined;
        ws.send(JSON.stringify({ type: "join", ref: "join", conversationId, afterId }));
      };
      ws.onmessage = (ev) => {
        let msg: ServerMessage;
        try {
          msg = JSON.parse(ev.data as string);
        } catch {
          return;
        }
        handle(msg);
      };
      ws.onclose = (ev) => {
        if (wsRef.current === ws) wsRef.current = null;
        setOtherTyping(false);
        if (stopped) return;
        if (ev.code === 4001) {
          setConn("closed");
          setError("Your session has ended. Please sign in again.");
          return;
        }
        setConn("reconnecting");
        // Jittered exponential backoff: 0.5 s, 1 s, 2 s … capped at 15 s.
        const base = Math.min(15_000, 500 * 2 ** attempt++);
        timer = setTimeout(connect, base / 2 + Math.random() * base);
      };
      ws.onerror = () => {};
    };

    const handle = (msg: ServerMessage) => {
      switch (msg.type) {
        case "joined": {
          if (msg.conversationId !== conversationId) return;
          setConn("open");
          setError(null);
          setConversation(msg.conversation);
          setReceipts(msg.receipts);
          setMessages((prev) => mergeById(prev, msg.messages));
          const last = msg.messages.at(-1);
          if (last) lastIdRef.current = Math.max(lastIdRef.current ?? 0, last.id);
          else if (lastIdRef.current === null) lastIdRef.current = 0;
          if (!loadedOnce) setOlderCursor(msg.olderCursor);
          loadedOnce = true;
          setLoaded(true);
          if (msg.more && last) raw({ type: "join", ref: "join", conversationId, afterId: last.id });
          else flushOutbox();
          return;
        }
        case "ack":
        case "message": {
          const m = msg.message;
          if (m.conversationId !== conversationId) return;
          if (msg.type === "ack") outbox.current.delete(msg.clientMsgId);
          // Advance the sync mark only along the chain: an early frame waits for the one before it.
          if (m.prevId !== undefined && lastIdRef.current !== null) {
            ahead.current.set(m.prevId, m.id);
            let next = ahead.current.get(lastIdRef.current);
            while (next !== undefined) {
              ahead.current.delete(lastIdRef.current);
              lastIdRef.current = next;
              next = ahead.current.get(next);
            }
          }
          setMessages((prev) => mergeById(prev, [m]));
          if (msg.type === "message" && !isMine(m)) setOtherTyping(false);
          return;
        }
        case "receipt": {
          if (msg.conversationId !== conversationId) return;
          setReceipts((r) => {
            const next = { ...r };
            if (msg.side === "visitor") {
              next.visitorMsgsDeliveredUpTo = Math.max(r.visitorMsgsDeliveredUpTo, msg.upToId);
              if (msg.kind === "read") next.visitorMsgsReadUpTo = Math.max(r.visitorMsgsReadUpTo, msg.upToId);
            } else {
              next.staffMsgsDeliveredUpTo = Math.max(r.staffMsgsDeliveredUpTo, msg.upToId);
              if (msg.kind === "read") next.staffMsgsReadUpTo = Math.max(r.staffMsgsReadUpTo, msg.upToId);
            }
            return next;
          });
          return;
        }
        case "typing": {
          if (msg.conversationId !== conversationId) return;
          const fromOther = side === "visitor" ? msg.who === "staff" : msg.who === "visitor";
          if (!fromOther) return;
          if (typingClear.current) clearTimeout(typingClear.current);
          setOtherTyping(msg.on);
          if (msg.on) typingClear.current = setTimeout(() => setOtherTyping(false), TYPING_CLEAR_MS);
          return;
        }
        case "conversation": {
          if (msg.conversation.id === conversationId) setConversation(msg.conversation);
          return;
        }
        case "chat": {
          if (msg.chat.id === conversationId) setConversation(msg.chat);
          return;
        }
        case "moved": {
          if (msg.fromConversationId === conversationId) optsRef.current.onMoved?.(msg.toConversationId);
          return;
        }
        case "error": {
          if (msg.ref && outbox.current.has(msg.ref)) {
            // The server refused this message for good (e.g. chat closed): show it as failed.
            outbox.current.delete(msg.ref);
            const ref = msg.ref;
            setMessages((prev) => prev.map((m) => (m.local && m.clientMsgId === ref ? { ...m, local: "failed" } : m)));
          } else if (msg.ref === "join") {
            setConn("closed");
            setError(msg.message);
          }
          return;
        }
      }
    };

    setConn("connecting");
    connect();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      wsRef.current?.close(1000);
      wsRef.current = null;
    };
  }, [conversationId, wsQuery, side, isMine, raw, flushOutbox]);

  // Unacknowledged sends turn into "failed" with a retry.
  useEffect(() => {
    const t = setInterval(() => {
      const now = Date.now();
      const expired: string[] = [];
      for (const o of outbox.current.values()) {
        if (wsRef.current?.readyState === WebSocket.OPEN && now - o.sentAt > ACK_TIMEOUT_MS) expired.push(o.clientMsgId);
      }
      if (expired.length === 0) return;
      for (const id of expired) outbox.current.delete(id);
      setMessages((prev) => prev.map((m) => (m.local === "pending" && expired.includes(m.clientMsgId) ? { ...m, local: "failed" } : m)));
    }, 1_000);
    return () => clearInterval(t);
  }, []);

  // Receipts whenever new messages arrive or the tab comes to the front.
  useEffect(() => {
    sendReceipts();
  }, [messages, conn, opts.visible, sendReceipts]);
  useEffect(() => {
    const on = () => sendReceipts();
    window.addEventListener("focus", on);
    document.addEventListener("visibilitychange", on);
    return () => {
      window.removeEventListener("focus", on);
      document.removeEventListener("visibilitychange", on);
    };
  }, [sendReceipts]);

  const stopTyping = useCallback(() => {
    const t = typingState.current;
    if (t.idle) clearTimeout(t.idle);
    t.idle = null;
    if (t.on) raw({ type: "typing", conversationId: optsRef.current.conversationId, on: false });
    t.on = false;
    t.lastSent = 0;
  }, [raw]);

  /** Call on every keystroke; sends at most one "typing" frame per 2 s. */
  const notifyTyping = useCallback(() => {
    if (!optsRef.current.canWrite) return;
    const t = typingState.current;
    const now = Date.now();
    if (!t.on || now - t.lastSent > TYPING_SEND_EVERY_MS) {
      if (raw({ type: "typing", conversationId: optsRef.current.conversationId, on: true })) {
        t.on = true;
        t.lastSent = now;
      }
    }
    if (t.idle) clearTimeout(t.idle);
    t.idle = setTimeout(stopTyping, TYPING_IDLE_MS);
  }, [raw, stopTyping]);

  const enqueue = useCallback(
    (o: Omit<Outgoing, "sentAt">, preview?: Partial<MessageDTO>) => {
      outbox.current.set(o.clientMsgId, { ...o, sentAt: Date.now() });
      const local: ThreadMessage = {
        id: Number.MAX_SAFE_INTEGER,
        conversationId: optsRef.current.conversationId,
        senderKind: side === "visitor" ? "visitor" : "agent",
        senderId: null,
        senderName: null,
        body: o.body,
        clientMsgId: o.clientMsgId,
        replyTo: null,
        attachment: null,
        createdAt: new Date().toISOString(),
        deliveredAt: null,
        readAt: null,
        local: "pending",
        ...preview,
      };
      setMessages((prev) => [...prev.filter((m) => m.clientMsgId !== o.clientMsgId), local]);
      raw({ type: "send", ref: o.clientMsgId, conversationId: optsRef.current.conversationId, clientMsgId: o.clientMsgId, body: o.body, replyToId: o.replyToId, attachmentId: o.attachmentId });
    },
    [raw, side],
  );

  const send = useCallback(
    (body: string, extra: { replyTo?: ThreadMessage | null; attachment?: MessageDTO["attachment"] } = {}) => {
      stopTyping();
      const replyTo = extra.replyTo && !extra.replyTo.local ? extra.replyTo : null;
      enqueue(
        { clientMsgId: newClientMsgId(), body, replyToId: replyTo?.id, attachmentId: extra.attachment?.id },
        {
          replyTo: replyTo ? { id: replyTo.id, senderKind: replyTo.senderKind, excerpt: replyTo.body.slice(0, 140), hasImage: !!replyTo.attachment } : null,
          attachment: extra.attachment ?? null,
        },
      );
    },
    [enqueue, stopTyping],
  );

  /** Retry a failed message with the same client id: the server never stores it twice. */
  const retry = useCallback(
    (clientMsgId: string) => {
      const m = messagesRef.current.find((x) => x.clientMsgId === clientMsgId && x.local === "failed");
      if (!m) return;
      enqueue({ clientMsgId, body: m.body, replyToId: m.replyTo?.id, attachmentId: m.attachment?.id }, { replyTo: m.replyTo, attachment: m.attachment });
    },
    [enqueue],
  );

  /** Load the previous page of 30 (scrolling up). Returns false when there is nothing older. */
  const loadOlder = useCallback(async (): Promise<boolean> => {
    if (!olderCursor || loadingOlder) return false;
    setLoadingOlder(true);
    try {
      const res = await fetch(`/api/chat/conversations/${conversationId}/messages?before=${encodeURIComponent(olderCursor)}`, {
        headers: optsRef.current.headers,
      });
      if (!res.ok) throw new Error(String(res.status));
      const page = (await res.json()) as { messages: MessageDTO[]; nextCursor: string | null };
      setMessages((prev) => mergeById(prev, page.messages));
      setOlderCursor(page.nextCursor);
      return page.messages.length > 0;
    } catch {
      setError("Couldn't load older messages.");
      return false;
    } finally {
      setLoadingOlder(false);
    }
  }, [olderCursor, loadingOlder, conversationId]);

  /** Tick state of one of my messages. */
  const tickOf = useCallback(
    (m: ThreadMessage): "pending" | "failed" | "sent" | "delivered" | "read" | null => {
      if (!isMine(m)) return null;
      if (m.local) return m.local;
      const mineSide = side === "visitor" ? "visitor" : "staff";
      const readUpTo = mineSide === "visitor" ? receipts.visitorMsgsReadUpTo : receipts.staffMsgsReadUpTo;
      const deliveredUpTo = mineSide === "visitor" ? receipts.visitorMsgsDeliveredUpTo : receipts.staffMsgsDeliveredUpTo;
      if (m.readAt || m.id <= readUpTo) return "read";
      if (m.deliveredAt || m.id <= deliveredUpTo) return "delivered";
      return "sent";
    },
    [isMine, receipts, side],
  );

  return useMemo(
    () => ({
      messages,
      conversation,
      receipts,
      otherTyping,
      conn,
      error,
      loaded,
      hasOlder: olderCursor !== null,
      loadingOlder,
      canWrite,
      isMine,
      tickOf,
      send,
      retry,
      notifyTyping,
      stopTyping,
      loadOlder,
    }),
    [messages, conversation, receipts, otherTyping, conn, error, loaded, olderCursor, loadingOlder, canWrite, isMine, tickOf, send, retry, notifyTyping, stopTyping, loadOlder],
  );
}

export type ChatApi = ReturnType<typeof useChat>;

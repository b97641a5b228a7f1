"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { MessageDTO, ServerMessage } from "@/lib/realtime/protocol";
import type { ReconnectingSocket } from "@/components/realtime/reconnecting-socket";
import { useSocketState } from "@/components/realtime/useSocket";
import {
  chatSync,
  initChatSync,
  isMine as isMineOf,
  joinFrame,
  joinRef,
  nextRetryAt,
  receiptsDue,
  retriesDue,
  retryDelayMs,
  RETRYABLE_CODE,
  sendFrame,
  tickOf as tickOfState,
  typingFromOther,
  type ChatSyncEvent,
  type ChatSyncState,
  type Outgoing,
  type Side,
  type ThreadMessage,
} from "./chat-sync";
import { TypingExpiry, TypingSender } from "./typing";

export type { Side, ThreadMessage } from "./chat-sync";
export type ConnState = "connecting" | "open" | "reconnecting" | "signed-out" | "closed";

/** How often unacknowledged sends are checked against ACK_TIMEOUT_MS. */
const EXPIRE_CHECK_MS = 1_000;

const SIGNED_OUT = "Your session has ended. Please sign in again.";

function newClientMsgId() {
  const a = new Uint8Array(12);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * One live conversation on a socket shared with the rest of the page (the
 * staff console's, or the visitor page's own): joins on every (re)open with
 * the last synced id, leaves on unmount, and feeds frames of this chat into
 * the chat-sync reducer. Timers, receipts and typing live here; every state
 * transition lives in chat-sync.ts.
 */
export function useChat(opts: {
  side: Side;
  conversationId: number;
  socket: ReconnectingSocket;
  /** Headers for history requests (the visitor token). */
  headers?: Record<string, string>;
  /** Whether this viewer may send (QA and read-only viewers may not). */
  canWrite: boolean;
  /** The chat is on screen: read receipts may be sent while the tab is focused. */
  visible?: boolean;
  onMoved?: (toConversationId: number) => void;
}) {
  const { side, conversationId, socket } = opts;
  const socketState = useSocketState(socket);
  const optsRef = useRef(opts);
  optsRef.current = opts;

  // The reducer's state also lives in a ref, so frame handlers act on the state their own event produced.
  const store = useRef<ChatSyncState | null>(null);
  if (store.current === null) store.current = initChatSync(side, conversationId);
  const [state, setState] = useState(store.current);
  const apply = useCallback((e: ChatSyncEvent) => {
    const next = chatSync(store.current!, e);
    if (next !== store.current) {
      store.current = next;
      setState(next);
    }
    return next;
  }, []);
  const [loadingOlder, setLoadingOlder] = useState(false);
  // Typing: our own "on"/"off" frames, and the safety clear of the other side's pill (timing in typing.ts).
  const typing = useRef<TypingSender | null>(null);
  if (typing.current === null) {
    typing.current = new TypingSender((on) => optsRef.current.socket.send({ type: "typing", conversationId: store.current!.conversationId, on }));
  }
  const typingExpiry = useRef<TypingExpiry | null>(null);
  if (typingExpiry.current === null) typingExpiry.current = new TypingExpiry(() => apply({ type: "typingTimeout" }));

  const flushOutbox = useCallback(() => {
    const s = store.current!;
    const sent = s.outbox.filter((o) => socket.send(sendFrame(s.conversationId, o))).map((o) => o.clientMsgId);
    if (sent.length) apply({ type: "sent", clientMsgIds: sent, now: Date.now() });
  }, [socket, apply]);

  /** Typing is over (message sent, chat left): "off" now if "on" was said. */
  const stopTyping = useCallback(() => typing.current!.stop(), []);

  /** Call on every keystroke; "on" goes out at most every TYPING_SEND_EVERY_MS, "off" after TYPING_CLEAR_MS of quiet. */
  const notifyTyping = useCallback(() => {
    if (!optsRef.current.canWrite || store.current!.revoked) return;
    typing.current!.keystroke();
  }, []);
  // Declared before the join effect: its cleanup must say "stopped typing" before the leave goes out.
  useEffect(() => stopTyping, [conversationId, stopTyping]);

  // Join this chat on the socket (now if it is open, and after every reconnect); leave on unmount or switch.
  useEffect(() => {
    apply({ type: "switch", conversationId });
    // A join the server couldn't answer (database blip) is asked again, 0.5 s, 1 s, 2 s… apart.
    let joinAttempts = 0;
    let joinRetry: ReturnType<typeof setTimeout> | undefined;
    const join = () => {
      clearTimeout(joinRetry);
      if (store.current!.revoked) return;
      apply({ type: "opened", now: Date.now() });
      socket.send(joinFrame(store.current!));
    };
    const onFrame = (f: ServerMessage) => {
      const s = apply({ type: "frame", frame: f, now: Date.now() });
      if (s.revoked || s.conversationId !== conversationId) return;
      if (f.type === "error" && f.ref === joinRef(conversationId) && f.code === RETRYABLE_CODE) {
        const delay = retryDelayMs(Math.min(++joinAttempts, 6));
        clearTimeout(joinRetry);
        joinRetry = setTimeout(() => socket.state === "open" && join(), delay ?? 0);
        return;
      }
      if (f.type === "joined" && f.conversationId === conversationId) {
        joinAttempts = 0;
        // A long gap comes in pages: ask for the next one before sending anything new.
        if (f.more && s.syncedUpTo !== null) socket.send({ type: "join", ref: joinRef(conversationId), conversationId, afterId: s.syncedUpTo });
        else flushOutbox();
      } else if (f.type === "typing" && f.conversationId === conversationId && typingFromOther(side, f.who)) {
        typingExpiry.current!.frame(f.on);
      } else if (f.type === "message" && f.message.conversationId === conversationId && !isMineOf(side, f.message)) {
        // Their message ended their typing (chat-sync hid the pill): no safety clear left to run.
        typingExpiry.current!.cancel();
      } else if (f.type === "moved" && f.fromConversationId === conversationId) {
        optsRef.current.onMoved?.(f.toConversationId);
      }
    };
    const offFrame = socket.onFrame(onFrame);
    const offOpen = socket.onOpen(join);
    const offState = socket.onState((st) => {
      if (st !== "open") {
        apply({ type: "disconnected" });
        // The pill went with the socket on both ends: after the reconnect the next keystroke says "on" at once.
        typing.current!.reset();
        typingExpiry.current!.cancel();
      }
    });
    if (socket.state === "open") join();
    return () => {
      clearTimeout(joinRetry);
      offFrame();
      offOpen();
      offState();
      typingExpiry.current!.cancel();
      if (!store.current!.revoked) socket.send({ type: "leave", conversationId });
    };
  }, [socket, conversationId, side, apply, flushOutbox]);

  // Sends the server couldn't store (database blip) go out again, same clientMsgId, when their pause is over.
  // Not joined then? The rejoin sends the whole outbox anyway.
  const retryAt = nextRetryAt(state);
  useEffect(() => {
    if (retryAt === null) return;
    const t = setTimeout(() => {
      const s = store.current!;
      if (!s.live || s.revoked) return;
      const sent = retriesDue(s, Date.now())
        .filter((o) => socket.send(sendFrame(s.conversationId, o)))
        .map((o) => o.clientMsgId);
      if (sent.length) apply({ type: "sent", clientMsgIds: sent, now: Date.now() });
    }, Math.max(0, retryAt - Date.now()));
    return () => clearTimeout(t);
  }, [retryAt, socket, apply]);

  // Unacknowledged sends turn into "failed" with a retry.
  useEffect(() => {
    const t = setInterval(() => apply({ type: "expire", now: Date.now() }), EXPIRE_CHECK_MS);
    return () => clearInterval(t);
  }, [apply]);

  const canWrite = opts.canWrite && !state.revoked;

  /** Acknowledge the other side's messages: delivered always, read when the chat is in front of a person. */
  const sendReceipts = useCallback(() => {
    if (!optsRef.current.canWrite) return;
    const s = store.current!;
    const inFront = document.visibilityState === "visible" && document.hasFocus() && optsRef.current.visible !== false;
    const due = receiptsDue(s, inFront);
    for (const kind of ["delivered", "read"] as const) {
      const upToId = due[kind];
      if (upToId && socket.send({ type: kind, conversationId: s.conversationId, upToId })) apply({ type: "receiptSent", kind, upToId });
    }
  }, [socket, apply]);
  useEffect(() => {
    sendReceipts();
  }, [state.messages, state.live, opts.visible, sendReceipts]);
  useEffect(() => {
    const on = () => sendReceipts();
    window.addEventListener("focus", on);
    document.addEventListener("visibilitychange", on);
    return () => {
      window.removeEventListener("focus", on);
      document.removeEventListener("visibilitychange", on);
    };
  }, [sendReceipts]);


  const enqueue = useCallback(
    (o: Omit<Outgoing, "sentAt">) => {
      const s = store.current!;
      if (s.live && socket.send(sendFrame(s.conversationId, o))) apply({ type: "sent", clientMsgIds: [o.clientMsgId], now: Date.now() });
    },
    [socket, apply],
  );

  const send = useCallback(
    (body: string, extra: { replyTo?: ThreadMessage | null; attachment?: MessageDTO["attachment"] } = {}) => {
      stopTyping();
      const replyTo = extra.replyTo && !extra.replyTo.local ? extra.replyTo : null;
      const outgoing = { clientMsgId: newClientMsgId(), body, replyToId: replyTo?.id, attachmentId: extra.attachment?.id };
      const s = apply({
        type: "send",
        outgoing,
        now: Date.now(),
        preview: {
          replyTo: replyTo ? { id: replyTo.id, senderKind: replyTo.senderKind, excerpt: replyTo.body.slice(0, 140), hasImage: !!replyTo.attachment } : null,
          attachment: extra.attachment ?? null,
        },
      });
      if (s.outbox.some((o) => o.clientMsgId === outgoing.clientMsgId)) enqueue(outgoing);
    },
    [apply, enqueue, stopTyping],
  );

  /** Retry a failed message with the same client id: the server never stores it twice. */
  const retry = useCallback(
    (clientMsgId: string) => {
      const o = apply({ type: "retry", clientMsgId }).outbox.find((x) => x.clientMsgId === clientMsgId);
      if (o) enqueue(o);
    },
    [apply, enqueue],
  );

  /**
   * Load the previous page (scrolling up). Returns false when there is nothing
   * older. A visitor who reaches the start of this chat carries on into their
   * earlier chats (after a close, the old conversation stays above the new one):
   * `earlier` is where that walk has got to.
   */
  const olderCursor = state.olderCursor;
  const [earlier, setEarlier] = useState<{ conversationId: number | null; cursor: string | null } | null>(null);
  useEffect(() => setEarlier(null), [conversationId]);
  const view = state.conversation;
  const previousId = side === "visitor" && view && "previousConversationId" in view ? view.previousConversationId : null;
  const earlierNext = useMemo(() => earlier ?? (previousId ? { conversationId: previousId, cursor: null } : null), [earlier, previousId]);
  const hasEarlier = state.loaded && olderCursor === null && earlierNext !== null && earlierNext.conversationId !== null;
  const loadOlder = useCallback(async (): Promise<boolean> => {
    if (loadingOlder) return false;
    const target = olderCursor ? { conversationId, cursor: olderCursor } : hasEarlier ? earlierNext! : null;
    if (!target || target.conversationId === null) return false;
    setLoadingOlder(true);
    try {
      const q = target.cursor ? `?before=${encodeURIComponent(target.cursor)}` : "";
      const res = await fetch(`/api/chat/conversations/${target.conversationId}/messages${q}`, { headers: optsRef.current.headers });
      if (!res.ok) throw new Error(String(res.status));
      const page = (await res.json()) as { messages: MessageDTO[]; nextCursor: string | null; previousConversationId?: number | null };
      // A page for the chat we left (the visitor's chat moved meanwhile) is not this thread's.
      if (store.current!.conversationId !== conversationId) return false;
      if (target.conversationId === conversationId) {
        apply({ type: "olderPage", messages: page.messages, nextCursor: page.nextCursor });
      } else {
        // An earlier chat's page: into the thread (ids order it above), while this chat's own cursor stays spent.
        apply({ type: "olderPage", messages: page.messages, nextCursor: null });
        setEarlier(page.nextCursor ? { conversationId: target.conversationId, cursor: page.nextCursor } : { conversationId: page.previousConversationId ?? null, cursor: null });
      }
      return page.messages.length > 0;
    } catch {
      apply({ type: "error", message: "Couldn't load older messages." });
      return false;
    } finally {
      setLoadingOlder(false);
    }
  }, [olderCursor, loadingOlder, conversationId, apply, hasEarlier, earlierNext]);

  /**
   * A history page the thread keeps itself, outside the reducer (a quote jump's
   * window and its paging): around a message, or before / after a cursor.
   */
  const fetchHistory = useCallback(
    async (query: { around: number } | { before: string } | { after: string }) => {
      const [k, v] = Object.entries(query)[0];
      const res = await fetch(`/api/chat/conversations/${conversationId}/messages?${k}=${encodeURIComponent(String(v))}`, {
        headers: optsRef.current.headers,
      });
      if (!res.ok) throw new Error(String(res.status));
      return (await res.json()) as { messages: MessageDTO[]; nextCursor?: string | null; olderCursor?: string | null; newerCursor?: string | null };
    },
    [conversationId],
  );

  const isMine = useCallback((m: MessageDTO) => isMineOf(side, m), [side]);
  const tickOf = useCallback((m: ThreadMessage) => tickOfState(state, m), [state]);

  // "open" only once joined: until the rejoin's catch-up arrives, the thread may be missing messages.
  const conn: ConnState =
    socketState === "open" ? (state.live ? "open" : state.loaded ? "reconnecting" : "connecting") : socketState;
  const error = socketState === "signed-out" ? SIGNED_OUT : state.error;

  return useMemo(
    () => ({
      messages: state.messages,
      conversation: state.conversation,
      receipts: state.receipts,
      otherTyping: state.otherTyping,
      conn,
      error,
      revoked: state.revoked,
      loaded: state.loaded,
      hasOlder: olderCursor !== null || hasEarlier,
      loadingOlder,
      canWrite,
      isMine,
      tickOf,
      send,
      retry,
      notifyTyping,
      stopTyping,
      loadOlder,
      fetchHistory,
    }),
    [state, conn, error, olderCursor, hasEarlier, loadingOlder, canWrite, isMine, tickOf, send, retry, notifyTyping, stopTyping, loadOlder, fetchHistory],
  );
}

export type ChatApi = ReturnType<typeof useChat>;

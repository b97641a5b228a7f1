"use client";

import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import type { BucketCounts } from "@/lib/inbox/bucket-counts";
import { BUCKETS, type Bucket } from "@/lib/inbox/buckets";
import type { InboxItem } from "@/lib/inbox/list-bucket";
import { SEARCH_MAX_CHARS } from "@/lib/constants";
import type { ConversationDTO, ServerMessage } from "@/lib/realtime/protocol";
import { useStaffSocket } from "@/components/realtime/StaffSocketProvider";
import { useSocketState } from "@/components/realtime/useSocket";
import { api, errorMessage } from "./api";
import { BreakToggle } from "./BreakToggle";
import { BucketTabs } from "./BucketTabs";
import { ChatList } from "./ChatList";
import { ChatPane } from "./ChatPane";
import { consoleTitle, headMayGainChat, initialList, listKey, listReducer } from "./inbox-state";
import { QuickReplyManager, useQuickReplies } from "./QuickReplies";
import { FollowUpsBadge } from "@/components/back-office/crm/FollowUpsPanel";
import { useChatDeepLink } from "./useChatDeepLink";

/** Product brief: search is debounced. */
const SEARCH_DEBOUNCE_MS = 300;
/**
 * Counts follow frames, but a burst of frames costs one request: the first
 * frame schedules a read this much later and later frames join it (a busy
 * queue never postpones it indefinitely).
 */
const COUNTS_DEBOUNCE_MS = 300;
/** Same for re-reading the first page when a chat the list doesn't show has news (see headMayGainChat). */
const HEAD_DEBOUNCE_MS = 500;
const PANEL_ID = "agent-bucket-panel";
/** Buckets of the agent's own chats: their news comes as `message` frames; the others' as `activity` frames. */
const OWN = new Set<Bucket>(["active", "offline", "closed"]);

const noSearch = (): Record<Bucket, string> => ({ active: "", offline: "", closed: "", unassigned: "", others: "" });

export type ConsoleUser = { id: number; displayName: string; onBreak: boolean };

/**
 * The agent console: five live buckets with counts and unread badges,
 * per-bucket search, infinite scroll and stars on the left; the open chat
 * with lead stage, pick, reassign and quick replies on the right.
 */
export function AgentConsole({ me }: { me: ConsoleUser }) {
  const [bucket, setBucket] = useState<Bucket>("active");
  // What's typed in each bucket's search box, and what has been searched (debounced).
  const [typed, setTyped] = useState(noSearch);
  const [searched, setSearched] = useState(noSearch);
  const q = searched[bucket];
  const key = listKey(bucket, q);
  const [list, dispatch] = useReducer(listReducer, key, initialList);
  const [counts, setCounts] = useState<BucketCounts | null>(null);
  const [countsError, setCountsError] = useState<string | null>(null);
  const [selected, setSelected] = useState<ConversationDTO | null>(null);
  const [drafts, setDrafts] = useState<Record<number, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const [managerOpen, setManagerOpen] = useState(false);
  const [searchName, setSearchName] = useState("search");
  const [onBreak, setOnBreak] = useState(me.onBreak);
  const quickReplies = useQuickReplies();
  // The CRM's "Open chat" (/agent?c=<id>).
  useChatDeepLink(setSelected, setNotice);

  // Frame handlers and timers read the latest view through this ref.
  const view = useRef({ bucket, q, key, selectedId: selected?.id ?? null, list });
  view.current = { bucket, q, key, selectedId: selected?.id ?? null, list };

  // ── counts ────────────────────────────────────────────────────────────────
  const countsTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const loadCounts = useCallback(async () => {
    try {
      setCounts(await api.counts());
      setCountsError(null);
    } catch (e) {
      setCountsError(errorMessage(e));
    }
  }, []);
  const scheduleCounts = useCallback(() => {
    if (countsTimer.current) return;
    countsTimer.current = setTimeout(() => {
      countsTimer.current = null;
      void loadCounts();
    }, COUNTS_DEBOUNCE_MS);
  }, [loadCounts]);

  // ── the open bucket's list ────────────────────────────────────────────────
  const loadMoreBusy = useRef(false);
  useEffect(() => {
    const ctl = new AbortController();
    dispatch({ type: "reset", key });
    api
      .list({ bucket, q }, ctl.signal)
      .then((page) => dispatch({ type: "page", key, items: page.items, nextCursor: page.nextCursor, append: false }))
      .catch((e) => {
        if (!ctl.signal.aborted) dispatch({ type: "failed", key, error: errorMessage(e), append: false });
      });
    return () => ctl.abort();
  }, [bucket, q, key]);

  const [retryToken, setRetryToken] = useState(0);
  useEffect(() => {
    if (retryToken === 0) return;
    const { bucket: b, q: s, key: k } = view.current;
    dispatch({ type: "reset", key: k });
    api
      .list({ bucket: b, q: s })
      .then((page) => dispatch({ type: "page", key: k, items: page.items, nextCursor: page.nextCursor, append: false }))
      .catch((e) => dispatch({ type: "failed", key: k, error: errorMessage(e), append: false }));
  }, [retryToken]);

  const loadMore = useCallback(async () => {
    const { bucket: b, q: s, key: k, list: l } = view.current;
    if (loadMoreBusy.current || l.status !== "ready" || !l.nextCursor) return;
    loadMoreBusy.current = true;
    dispatch({ type: "loadingMore" });
    try {
      const page = await api.list({ bucket: b, q: s, after: l.nextCursor });
      dispatch({ type: "page", key: k, items: page.items, nextCursor: page.nextCursor, append: true });
    } catch (e) {
      dispatch({ type: "failed", key: k, error: errorMessage(e), append: true });
    } finally {
      loadMoreBusy.current = false;
    }
  }, []);

  /** Re-read the first page in place (after a reconnect, or for buckets without live frames). */
  const refreshHead = useCallback(async () => {
    const { bucket: b, q: s, key: k } = view.current;
    try {
      const page = await api.list({ bucket: b, q: s });
      dispatch({ type: "head", key: k, items: page.items, nextCursor: page.nextCursor });
    } catch {
      // A failed background refresh keeps what's on screen; the next one will catch up.
    }
  }, []);

  const headTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const scheduleHead = useCallback(() => {
    if (headTimer.current) return;
    headTimer.current = setTimeout(() => {
      headTimer.current = null;
      void refreshHead();
    }, HEAD_DEBOUNCE_MS);
  }, [refreshHead]);

  // ── search (debounced, per bucket) ───────────────────────────────────────
  useEffect(() => {
    const text = typed[bucket];
    if (text === searched[bucket]) return;
    const t = setTimeout(() => setSearched((s) => ({ ...s, [bucket]: text })), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [typed, searched, bucket]);

  // A fresh random name each load: browsers key saved form data by field name.
  useEffect(() => setSearchName(`q-${Math.random().toString(36).slice(2, 10)}`), []);

  // ── live updates ─────────────────────────────────────────────────────────
  const shared = useStaffSocket();
  // Every bucket is live: own chats by `message` frames (staff room), the queue
  // and teammates' chats by `activity` frames (inbox room), moves between
  // buckets by `conversation` frames (both).
  const opened = useRef(false);
  /** Highest visitor message per chat this console already reported delivered. */
  const deliveredSent = useRef(new Map<number, number>());
  const onFrame = useCallback(
    (msg: ServerMessage) => {
      const v = view.current;
      // The open chat in a focused tab is read as it arrives; its receipt resets the count.
      const reading = (id: number) => v.selectedId === id && document.visibilityState === "visible" && document.hasFocus();
      if (msg.type === "conversation") {
        const c = msg.conversation;
        dispatch({ type: "conversation", conversation: c, bucket: v.bucket, q: v.q, me: me.id });
        setSelected((s) => (s && s.id === c.id ? c : s));
        scheduleCounts();
      } else if (msg.type === "message" || msg.type === "ack") {
        // The server sends the sender's own socket an ack instead of the message, and this socket is the sender's.
        const m = msg.message;
        dispatch({ type: "message", message: m, countUnread: !reading(m.conversationId) });
        scheduleCounts();
        if (msg.type === "message" && OWN.has(v.bucket) && headMayGainChat(v.list, m.conversationId)) scheduleHead();
        if (msg.type === "message" && m.senderKind === "visitor" && m.conversationId !== v.selectedId) {
          // Product brief: grey ✓✓ once any connection of the assigned agent has the message, chat open or not.
          // Messages of a chat that isn't open reach this socket through the agent's staff room, i.e. the chat is
          // theirs (and the server ignores receipts from anyone who may not answer it); the open chat's useChat
          // acknowledges its own.
          const sent = deliveredSent.current.get(m.conversationId) ?? 0;
          if (m.id > sent && shared.send({ type: "delivered", conversationId: m.conversationId, upToId: m.id })) {
            deliveredSent.current.set(m.conversationId, m.id);
          }
        }
      } else if (msg.type === "activity") {
        const activity = { conversationId: msg.conversationId, lastMessageAt: msg.lastMessageAt, lastMessagePreview: msg.lastMessagePreview, fromVisitor: msg.fromVisitor };
        dispatch({ type: "activity", activity, me: me.id, openId: v.selectedId, countUnread: !reading(msg.conversationId) });
        const row = v.list.items.find((i) => i.id === msg.conversationId);
        if (!OWN.has(v.bucket) && headMayGainChat(v.list, msg.conversationId)) scheduleHead();
        // Own chats' counts follow their `message` frame; a teammate's visitor writing changes none of ours.
        if (msg.fromVisitor && (!row || row.status === "queued")) scheduleCounts();
      }
    },
    [me.id, scheduleCounts, scheduleHead, shared],
  );
  const onOpen = useCallback(() => {
    void loadCounts();
    // Frames missed while disconnected: re-read what's on screen.
    if (opened.current) void refreshHead();
    opened.current = true;
  }, [loadCounts, refreshHead]);
  useEffect(() => shared.onFrame(onFrame), [shared, onFrame]);
  useEffect(() => shared.onOpen(onOpen), [shared, onOpen]);
  const socket = useSocketState(shared);
  // Don't wait for the socket to show the badges.
  useEffect(() => void loadCounts(), [loadCounts]);

  // No timer: frames keep everything live. A tab coming back (browsers throttle hidden ones) re-reads what it shows.
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState !== "visible") return;
      void loadCounts();
      void refreshHead();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      if (countsTimer.current) clearTimeout(countsTimer.current);
      if (headTimer.current) clearTimeout(headTimer.current);
      countsTimer.current = null;
      headTimer.current = null;
    };
  }, [loadCounts, refreshHead]);

  // ── tab title and app badge ──────────────────────────────────────────────
  const totalUnread = counts ? BUCKETS.reduce((n, b) => n + counts[b].unread, 0) : 0;
  useEffect(() => {
    document.title = consoleTitle(totalUnread);
    const nav = navigator as Navigator & { setAppBadge?: (n: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
    void (totalUnread > 0 ? nav.setAppBadge?.(totalUnread) : nav.clearAppBadge?.())?.catch(() => {});
  }, [totalUnread]);

  // ── actions ──────────────────────────────────────────────────────────────
  async function toggleStar(item: InboxItem) {
    const starred = !item.starred;
    dispatch({ type: "star", id: item.id, starred });
    try {
      await api.star(item.id, starred);
    } catch (e) {
      dispatch({ type: "star", id: item.id, starred: !starred });
      setNotice(`Couldn't ${starred ? "star" : "unstar"} the chat: ${errorMessage(e)}`);
    }
  }

  const onLive = useCallback(
    (c: ConversationDTO) => {
      setSelected((s) => (s && s.id === c.id ? c : s));
      const v = view.current;
      dispatch({ type: "conversation", conversation: c, bucket: v.bucket, q: v.q, me: me.id });
    },
    [me.id],
  );

  const setDraft = useCallback((id: number, text: string) => setDrafts((d) => ({ ...d, [id]: text })), []);

  return (
    // Fills the console frame: the list and the thread scroll inside, so the composer stays on screen (phones too).
    <div data-console-fill className="flex min-h-0 flex-1 flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-base font-semibold">Inbox</h2>
        <div className="flex flex-wrap items-center gap-2">
          {socket === "reconnecting" || socket === "connecting" ? (
            <span role="status" className="rounded-full bg-amber-50 px-2 py-0.5 text-xs text-amber-800">
              {socket === "connecting" ? "Connecting…" : "Reconnecting to live updates…"}
            </span>
          ) : null}
          {socket === "signed-out" ? (
            <span role="alert" className="rounded-full bg-red-50 px-2 py-0.5 text-xs text-red-700">
              Your session has ended. Please{" "}
              <a className="underline" href="/login?next=/agent">
                sign in again
              </a>
              .
            </span>
          ) : null}
          <FollowUpsBadge />
          <button type="button" onClick={() => setManagerOpen(true)} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm hover:bg-slate-50">
            <span aria-hidden="true">⚡ </span>Saved replies
          </button>
          <BreakToggle onBreak={onBreak} onChange={setOnBreak} />
        </div>
      </div>

      <div className="grid min-h-0 flex-1 grid-cols-[minmax(0,1fr)] grid-rows-[minmax(0,1fr)] gap-3 md:grid-cols-[minmax(19rem,24rem)_minmax(0,1fr)]">
        <section aria-label="Chat list" className={`${selected ? "hidden md:flex" : "flex"} min-h-0 flex-col gap-2`}>
          <BucketTabs bucket={bucket} counts={counts} onSelect={setBucket} panelId={PANEL_ID} />
          {countsError ? (
            <p role="alert" className="text-xs text-red-700">
              Couldn&apos;t update counts: {countsError}
            </p>
          ) : null}
          <form role="search" autoComplete="off" onSubmit={(e) => e.preventDefault()}>
            <label htmlFor="agent-chat-search" className="sr-only">
              Search chats
            </label>
            <input
              id="agent-chat-search"
              type="search"
              name={searchName}
              value={typed[bucket]}
              onChange={(e) => setTyped((t) => ({ ...t, [bucket]: e.target.value }))}
              placeholder="Search by name or phone"
              maxLength={SEARCH_MAX_CHARS}
              autoComplete="off"
              autoCorrect="off"
              autoCapitalize="off"
              spellCheck={false}
              data-lpignore="true"
              data-1p-ignore="true"
              data-bwignore="true"
              data-form-type="other"
              className="w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm focus:border-slate-500 focus:outline-none"
            />
          </form>
          {notice ? (
            <p role="alert" className="flex items-start justify-between gap-2 rounded bg-red-50 px-2 py-1 text-xs text-red-700">
              {notice}
              <button type="button" aria-label="Dismiss" onClick={() => setNotice(null)}>
                ×
              </button>
            </p>
          ) : null}
          <ChatList
            bucket={bucket}
            list={list}
            query={q}
            onBreak={onBreak}
            selectedId={selected?.id ?? null}
            showUnread={bucket !== "others"}
            onOpen={(item) => setSelected(item)}
            onToggleStar={(item) => void toggleStar(item)}
            onLoadMore={() => void loadMore()}
            onRetry={() => setRetryToken((n) => n + 1)}
            panelId={PANEL_ID}
          />
        </section>

        <section aria-label="Open chat" className={`${selected ? "flex" : "hidden md:flex"} min-h-0 flex-col`}>
          {selected ? (
            <ChatPane
              me={me.id}
              conversation={selected}
              onLive={onLive}
              onPicked={() => {
                setBucket("active");
                scheduleCounts();
              }}
              onReassigned={() => scheduleCounts()}
              onBack={() => setSelected(null)}
              draft={drafts[selected.id] ?? ""}
              onDraftChange={(t) => setDraft(selected.id, t)}
              quickReplies={quickReplies}
              onManageQuickReplies={() => setManagerOpen(true)}
            />
          ) : (
            <div className="flex flex-1 items-center justify-center rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-500">
              Select a chat to read and reply.
            </div>
          )}
        </section>
      </div>

      <QuickReplyManager replies={quickReplies} open={managerOpen} onClose={() => setManagerOpen(false)} />
    </div>
  );
}

"use client";

import { MESSAGE_PAGE_SIZE } from "@/lib/constants";
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from "react";
import { useVirtualizer, type VirtualItem, type Virtualizer } from "@tanstack/react-virtual";
import type { ChatApi, Side, ThreadMessage } from "./useChat";
import { MessageRow } from "./MessageRow";
import { estimateRowHeight, fitSlice, localDay, moveRowSlice, nextRowLayout, type RowLayout, type SliceSize, type ThreadRow } from "./thread-rows";
import { useThreadWindow } from "./useThreadWindow";

/** Fixed, so the list's offsets never move when "Load older" turns into "Loading…" or "Start of the conversation". */
const HEADER_PX = 44;
const FOOTER_PX = 28;
/** Within this distance of the end the reader is "at the latest message": new ones keep them pinned. */
const AT_END_PX = 80;
/** Start fetching the next page this far before an end of the list, so scrolling rarely meets a wait. */
const PREFETCH_PX = 1200;
/**
 * Wait this long near an end before fetching: a reader who scrolled there by
 * clicking "Load older messages" gets the click, not a race with the prefetch.
 */
const PREFETCH_DELAY_MS = 120;
/** Rows rendered beyond the viewport on each side: cheap (rows are memoised) and constant at any history length. */
const OVERSCAN = 40;
const HIGHLIGHT_MS = 1600;
/**
 * Rows the virtual list lays out one by one around the reader (RowSlice); the
 * rest of the loaded thread is two spacers. 400 rows is ~25,000 px: a wheel or
 * a fling re-slices every few hundred rows, and the margin (> the overscan
 * plus a screen) keeps a re-slice out of sight.
 */
const SLICE: SliceSize = { size: 400, margin: 100, max: 800 };
/** While rendering, re-slice only what can't wait for the commit (the reader's rows outside it, or a huge slice). */
const SLICE_IN_RENDER: SliceSize = { size: SLICE.size, margin: 0, max: 2 * SLICE.max };

type ListVirtualizer = Virtualizer<HTMLDivElement, Element>;

/** The list's index of row `idx` of the slice laid out (after the spacer above, when there is one). */
function listIndex(l: RowLayout, idx: number): number {
  return (l.slice.from > 0 ? 1 : 0) + idx - l.slice.from;
}

/** A row's height as the list knows it: measured once it has been on screen, estimated before. */
function rowSize(v: ListVirtualizer | null, r: ThreadRow): number {
  return v?.itemSizeCache.get(r.key) ?? estimateRowHeight(r);
}

/**
 * The rows at the top and bottom of the viewport, as indexes into the rows.
 * Under a spacer, walk the heights of the rows it stands for (the reader
 * dragged the scrollbar there).
 */
function rowsOnScreen(v: ListVirtualizer, el: HTMLElement | null, l: RowLayout): { start: number; end: number } | null {
  const n = l.rows.length;
  if (!el || n === 0) return null;
  const lead = l.slice.from > 0 ? 1 : 0;
  const span = l.slice.to - l.slice.from;
  const rowAt = (y: number): number => {
    const it = v.getVirtualItemForOffset(y);
    if (!it) return n - 1;
    const j = it.index - lead;
    if (j >= 0 && j < span) return l.slice.from + j;
    const [first, last] = j < 0 ? [0, l.slice.from] : [l.slice.to, n];
    let edge = it.start;
    for (let i = first; i < last; i++) {
      edge += rowSize(v, l.rows[i]);
      if (edge > y) return i;
    }
    return last - 1;
  };
  const top = el.scrollTop;
  return { start: rowAt(top), end: rowAt(top + el.clientHeight) };
}

/**
 * The message list, virtualised: only the rows near the viewport are in the
 * DOM, and the virtual list itself lays out a slice of a few hundred rows
 * around the reader, the rest of the loaded thread standing in as two spacers
 * (its bookkeeping is linear in what it lays out: each row measured near the
 * top re-positions every row after it, ~20 per older page, which at 50,000
 * loaded messages doubled the cost of a page). So opening, typing and paging
 * cost the same at 30 or 50,000 loaded messages. End-anchored: older pages
 * prepend without moving what the reader looks at (keepReaderInPlace), new
 * messages keep a reader at the bottom pinned, and a reader
 * scrolled up gets a "New messages" pill instead. A quote jump to a message
 * far back loads the window around it in one request (useThreadWindow).
 */
export const ChatThread = memo(function ChatThread({
  chat,
  viewer,
  visitorName,
  accentColor,
  imageQuery = "",
  intro,
  onReply,
}: {
  chat: ChatApi;
  viewer: Side;
  visitorName?: string;
  accentColor?: string;
  /** Appended to image URLs (the widget passes the visitor token). */
  imageQuery?: string;
  /** What opens the thread above its first message (the project's welcome, for visitors). */
  intro?: string;
  onReply?: (m: ThreadMessage) => void;
}) {
  const view = useThreadWindow(chat);
  const scroller = useRef<HTMLDivElement>(null);
  const vRef = useRef<ListVirtualizer | null>(null);
  // Rows and the slice laid out, derived together in render (idempotent per message list): a page
  // prepended to 50,000 messages builds its own rows and carries the slice, nothing more.
  const layout = useRef<RowLayout | null>(null);
  /** RowLayout.reflowed until the list has measured it once (keepReaderInPlace). */
  const reflowed = useRef<string | null>(null);
  const [, relayout] = useReducer((x: number) => x + 1, 0);
  if (layout.current?.messages !== view.messages) {
    const prev = layout.current;
    const v = vRef.current;
    const seen = prev && v ? rowsOnScreen(v, scroller.current, prev) : null;
    layout.current = nextRowLayout(prev, view.messages, seen, (r) => rowSize(v, r), SLICE_IN_RENDER);
    reflowed.current = layout.current.reflowed;
  }
  const { rows, slice, above, below } = layout.current;
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const viewRef = useRef(view);
  viewRef.current = view;

  // The rows before and after the slice, as two spacers of their height. A spacer's key carries its
  // height, so a change the reader can't see (a page into the spacer above) still moves the list's anchor.
  const lead = slice.from > 0 ? 1 : 0;
  const span = slice.to - slice.from;
  const trail = slice.to < rows.length ? 1 : 0;
  const spacers = useMemo(() => ({ above, below, aboveKey: `above:${above}`, belowKey: `below:${below}` }), [above, below]);
  const items = useRef({ rows, from: slice.from, lead, span, spacers });
  items.current = { rows, from: slice.from, lead, span, spacers };

  const [highlight, setHighlight] = useState<number | null>(null);
  const [lightbox, setLightbox] = useState<string | null>(null);
  const [activeKey, setActiveKey] = useState<string | null>(null);
  const [farFromEnd, setFarFromEnd] = useState(false);
  /** The newest stored message the reader has seen at the bottom; later ones from the other side count on the pill. */
  const [seenUpTo, setSeenUpTo] = useState<number | null>(null);
  const atEnd = useRef(true);
  const pendingEnd = useRef(false);
  const pendingJump = useRef<number | null>(null);
  const prefetch = useRef<ReturnType<typeof setTimeout> | null>(null);

  const virtualizer = useVirtualizer({
    count: lead + span + trail,
    getScrollElement: () => scroller.current,
    estimateSize: useCallback((i: number) => {
      const it = items.current;
      const j = i - it.lead;
      return j < 0 ? it.spacers.above : j < it.span ? estimateRowHeight(it.rows[it.from + j]) : it.spacers.below;
    }, []),
    getItemKey: useCallback(
      (i: number) => (i < lead ? spacers.aboveKey : i - lead < span ? rows[slice.from + i - lead].key : spacers.belowKey),
      [rows, slice.from, lead, span, spacers],
    ),
    anchorTo: "end",
    // A window far back isn't the live end: appending its next page must not pull the reader down page after page.
    followOnAppend: !view.detached,
    scrollEndThreshold: AT_END_PX,
    overscan: OVERSCAN,
    paddingStart: HEADER_PX,
    paddingEnd: FOOTER_PX,
  });
  vRef.current = virtualizer;

  /**
   * Which row size changes move the scroll position by the same amount, so
   * what the reader reads stays put. The list's own rule skips a re-measured
   * row while the reader scrolls up (for 150 ms after their last scroll) and
   * any row whose top is on screen; under a page prepended, that let the text
   * jump by the date separator the oldest message just lost, in about half
   * the pages (tests/e2e/thread-long.spec.ts). Rows don't grow as they are
   * read here (no streaming), so a row above the viewport that changes is
   * always corrected, whichever way the reader scrolls.
   */
  const keepReaderInPlace = useCallback((item: VirtualItem, _delta: number, v: ListVirtualizer): boolean => {
    const top = v.scrollOffset ?? 0;
    // First measured with its top above the viewport: all of its estimate's error was above the reader.
    if (!v.itemSizeCache.has(item.key)) return item.start < top;
    // What changed is at its top (RowLayout.reflowed): the reader reads under it, even with its top on screen.
    if (item.key === reflowed.current) {
      reflowed.current = null;
      return item.start < top + (v.scrollRect?.height ?? 0);
    }
    return item.end <= top;
  }, []);
  virtualizer.shouldAdjustScrollPositionOnItemSizeChange = keepReaderInPlace;

  /**
   * Lay out the rows start..end (and around them) before scrolling to them.
   * False when the slice moved: the caller's pending scroll runs after that render.
   */
  const sliceAround = useCallback((start: number, end: number): boolean => {
    const l = layout.current!;
    const next = fitSlice(l.slice, l.rows.length, { start, end }, SLICE);
    if (next.from === l.slice.from && next.to === l.slice.to) return true;
    layout.current = moveRowSlice(l, next, (r) => rowSize(vRef.current, r));
    relayout();
    return false;
  }, []);

  const lastStoredId = useMemo(() => {
    for (let i = chat.messages.length - 1; i >= 0; i--) if (!chat.messages[i].local) return chat.messages[i].id;
    return null;
  }, [chat.messages]);

  // Open at the latest message, once the first page is here (and again for another conversation: the visitor's chat moved).
  const openedFor = useRef<unknown>(null);
  const openedAt = useRef<number | null>(null);
  useLayoutEffect(() => {
    if (openedFor.current === chat.fetchHistory || !chat.loaded) return;
    openedFor.current = chat.fetchHistory;
    openedAt.current = lastStoredId ?? 0;
    atEnd.current = true;
    setSeenUpTo(lastStoredId);
    if (rows.length) {
      if (sliceAround(rows.length - 1, rows.length - 1)) virtualizer.scrollToEnd();
      else pendingEnd.current = true;
    }
  }, [chat.loaded, chat.fetchHistory, rows.length, lastStoredId, virtualizer, sliceAround]);

  // My own new message always comes into view, from anywhere (back to the live list from a window).
  const lastLocalKey = useRef<string | null>(null);
  useLayoutEffect(() => {
    const last = chat.messages.at(-1);
    const key = last?.local === "pending" ? last.clientMsgId : null;
    if (key && key !== lastLocalKey.current) {
      pendingEnd.current = true;
      if (viewRef.current.detached) viewRef.current.toLive();
    }
    lastLocalKey.current = key;
  }, [chat.messages]);

  useLayoutEffect(() => {
    if (pendingJump.current !== null) {
      const id = pendingJump.current;
      const idx = rows.findIndex((r) => !r.m.local && r.m.id === id);
      if (idx >= 0 && sliceAround(idx, idx)) {
        pendingJump.current = null;
        atEnd.current = false;
        virtualizer.scrollToIndex(listIndex(layout.current!, idx), { align: "center" });
        setHighlight(id);
      }
    }
    if (pendingEnd.current && !view.detached && (rows.length === 0 || sliceAround(rows.length - 1, rows.length - 1))) {
      pendingEnd.current = false;
      atEnd.current = true;
      virtualizer.scrollToEnd();
    }
    // At the bottom of the live list, what just arrived is seen.
    if (atEnd.current && !view.detached && lastStoredId !== null) setSeenUpTo((s) => (s === null || lastStoredId > s ? lastStoredId : s));
  }, [rows, slice.from, slice.to, view.detached, lastStoredId, virtualizer, sliceAround]);

  // After every commit (a scroll re-renders the list when its range moves): keep the slice around the
  // reader. Not while a scroll of ours is pending (it moved the slice to where it is going), and not
  // twice for one scroll position and slice, so nothing can pull the slice back and forth.
  const fittedAt = useRef<{ top: number; slice: RowLayout["slice"] } | null>(null);
  useLayoutEffect(() => {
    const el = scroller.current;
    const l = layout.current!;
    if (!el || pendingEnd.current || pendingJump.current !== null) return;
    if (fittedAt.current?.top === el.scrollTop && fittedAt.current.slice === l.slice) return;
    const seen = rowsOnScreen(virtualizer, el, l);
    if (seen && !sliceAround(seen.start, seen.end)) fittedAt.current = { top: el.scrollTop, slice: layout.current!.slice };
  });

  useEffect(() => {
    if (highlight === null) return;
    const t = setTimeout(() => setHighlight(null), HIGHLIGHT_MS);
    return () => clearTimeout(t);
  }, [highlight]);
  useEffect(() => () => void (prefetch.current && clearTimeout(prefetch.current)), []);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const v = viewRef.current;
    const fromEnd = el.scrollHeight - el.scrollTop - el.clientHeight;
    atEnd.current = fromEnd < AT_END_PX && !v.detached;
    if (atEnd.current) setSeenUpTo((s) => (lastStoredRef.current !== null && (s === null || lastStoredRef.current > s) ? lastStoredRef.current : s));
    setFarFromEnd(v.detached || fromEnd > el.clientHeight);
    const nearTop = el.scrollTop < PREFETCH_PX && v.hasOlder && !v.loadingOlder;
    const nearEnd = fromEnd < PREFETCH_PX && v.hasNewer && !v.loadingNewer;
    if ((nearTop || nearEnd) && !prefetch.current) {
      prefetch.current = setTimeout(() => {
        prefetch.current = null;
        const e = scroller.current;
        const w = viewRef.current;
        if (!e) return;
        if (e.scrollTop < PREFETCH_PX && w.hasOlder && !w.loadingOlder) void w.loadOlder();
        else if (e.scrollHeight - e.scrollTop - e.clientHeight < PREFETCH_PX && w.hasNewer && !w.loadingNewer) void w.loadNewer();
      }, PREFETCH_DELAY_MS);
    }
  }, []);
  const lastStoredRef = useRef(lastStoredId);
  lastStoredRef.current = lastStoredId;

  // Less than a page, and still something older (a visitor's earlier chat, after a close): a thread
  // shorter than the screen never scrolls, so scrolling can't ask for it — fetch it now.
  useEffect(() => {
    const el = scroller.current;
    if (!el || !chat.loaded || view.detached || !view.hasOlder || view.loadingOlder || rows.length >= MESSAGE_PAGE_SIZE) return;
    if (el.scrollHeight - el.clientHeight < PREFETCH_PX) void view.loadOlder();
  }, [chat.loaded, view, rows.length]);

  // A pill or composer appearing below shrinks the list: a reader at the bottom stays there.
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    let h = el.clientHeight;
    const ro = new ResizeObserver(() => {
      if (el.clientHeight !== h && atEnd.current) virtualizer.scrollToEnd();
      h = el.clientHeight;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [virtualizer]);

  const jumpTo = useCallback(
    async (id: number) => {
      const idx = rowsRef.current.findIndex((r) => !r.m.local && r.m.id === id);
      if (idx >= 0) {
        if (sliceAround(idx, idx)) {
          atEnd.current = false;
          virtualizer.scrollToIndex(listIndex(layout.current!, idx), { align: "center" });
          setHighlight(id);
        } else pendingJump.current = id; // laid out in the next render, then scrolled to
        return;
      }
      // Not loaded: fetch the window around it (one request at any depth) and scroll there once it renders.
      pendingJump.current = id;
      if (!(await viewRef.current.loadAround(id))) pendingJump.current = null;
    },
    [virtualizer, sliceAround],
  );

  const toLatest = useCallback(() => {
    if (viewRef.current.detached) {
      pendingEnd.current = true;
      viewRef.current.toLive();
    } else {
      const n = rowsRef.current.length;
      atEnd.current = true;
      if (n === 0 || sliceAround(n - 1, n - 1)) virtualizer.scrollToEnd();
      else pendingEnd.current = true;
    }
    setSeenUpTo(lastStoredRef.current);
  }, [virtualizer, sliceAround]);

  const onActivate = useCallback((key: string) => setActiveKey((k) => (k === key ? null : key)), []);

  // Unseen messages from the other side, newest first until the seen mark (cheap: stops at the mark).
  let unseen = 0;
  if (seenUpTo !== null) {
    for (let i = chat.messages.length - 1; i >= 0; i--) {
      const m = chat.messages[i];
      if (m.local) continue;
      if (m.id <= seenUpTo) break;
      if (!chat.isMine(m)) unseen++;
    }
  }
  const showPill = unseen > 0 || farFromEnd;

  // Screen readers hear new messages from the other side (the virtual list itself mounts rows as you scroll, which isn't news).
  const lastIncoming = useMemo(() => {
    const m = chat.messages.at(-1);
    return m && !m.local && !chat.isMine(m) ? m : null;
  }, [chat]);

  const today = localDay(new Date());
  const virtualItems = virtualizer.getVirtualItems();

  return (
    <div className="relative flex min-h-0 flex-1 flex-col">
      <div ref={scroller} onScroll={onScroll} className="min-h-0 flex-1 overflow-y-auto overscroll-contain px-3 [overflow-anchor:none]">
        <div className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
          <div className="absolute inset-x-0 top-0 z-10 flex items-center justify-center" style={{ height: HEADER_PX }}>
            {!chat.loaded ? (
              <p className="text-sm text-slate-600" role="status">
                Loading conversation…
              </p>
            ) : intro && !view.hasOlder ? (
              <p className="line-clamp-2 max-w-sm text-center text-xs text-slate-600">{intro}</p>
            ) : rows.length === 0 ? (
              <p className="text-sm text-slate-600">No messages yet. Say hello!</p>
            ) : view.hasOlder ? (
              <button
                type="button"
                onClick={() => void view.loadOlder()}
                disabled={view.loadingOlder}
                aria-busy={view.loadingOlder}
                className="rounded-full bg-slate-200 px-3 py-1 text-xs text-slate-700 hover:bg-slate-300"
              >
                {view.loadingOlder ? "Loading…" : "Load older messages"}
              </button>
            ) : (
              <p className="text-xs text-slate-500">Start of the conversation</p>
            )}
          </div>
          <ul aria-label="Chat history" className="m-0 list-none p-0">
            {virtualItems.map((vi) => {
              const j = vi.index - lead;
              if (j < 0 || j >= span) return null; // a spacer: the rows it stands for are off screen
              const row: ThreadRow = rows[slice.from + j];
              const m = row.m;
              return (
                <li
                  key={vi.key}
                  data-index={vi.index}
                  ref={virtualizer.measureElement}
                  id={m.local ? undefined : `msg-${m.id}`}
                  className="absolute top-0 left-0 w-full"
                  style={{ transform: `translateY(${vi.start}px)` }}
                >
                  <MessageRow
                    row={row}
                    viewer={viewer}
                    mine={chat.isMine(m)}
                    tick={chat.tickOf(m)}
                    highlighted={highlight === m.id && !m.local}
                    active={activeKey === row.key}
                    today={today}
                    visitorName={visitorName}
                    accentColor={accentColor}
                    imageQuery={imageQuery}
                    canReply={chat.canWrite}
                    canRetry={chat.canWrite}
                    onReply={onReply}
                    onJump={jumpTo}
                    onOpenImage={setLightbox}
                    onRetry={chat.retry}
                    onActivate={onActivate}
                  />
                </li>
              );
            })}
          </ul>
          {view.hasNewer ? (
            <div className="absolute inset-x-0 bottom-0 flex items-center justify-center text-xs text-slate-500" style={{ height: FOOTER_PX }}>
              {view.loadingNewer ? "Loading newer messages…" : ""}
            </div>
          ) : null}
        </div>
      </div>

      {view.jumping ? (
        <p role="status" className="absolute top-2 left-1/2 z-20 flex -translate-x-1/2 items-center gap-2 rounded-full bg-slate-800 px-3 py-1.5 text-xs text-white shadow-lg">
          <span aria-hidden="true" className="h-3 w-3 animate-spin rounded-full border-2 border-white/40 border-t-white" />
          Loading the quoted message…
        </p>
      ) : null}
      {view.error ? (
        <p role="alert" className="absolute top-2 left-1/2 z-20 flex -translate-x-1/2 items-center gap-2 rounded-full bg-red-50 px-3 py-1 text-xs text-red-700 shadow ring-1 ring-red-200">
          {view.error}
          <button type="button" onClick={view.clearError} aria-label="Dismiss" className="px-1 font-semibold">
            ×
          </button>
        </p>
      ) : null}
      {showPill ? (
        <button
          type="button"
          onClick={toLatest}
          aria-label={unseen > 0 ? `New messages: ${unseen}. Scroll to the latest` : "Scroll to the latest message"}
          className="absolute right-4 bottom-3 z-20 flex items-center gap-1.5 rounded-full bg-slate-800 px-3 py-1.5 text-xs font-medium text-white shadow-lg hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-800"
        >
          {unseen > 0 ? (
            <>
              New messages
              <span className="rounded-full bg-white px-1.5 text-[11px] font-semibold text-slate-900">{unseen}</span>
            </>
          ) : null}
          <span aria-hidden="true">↓</span>
        </button>
      ) : null}
      <div className="sr-only" aria-live="polite">
        {lastIncoming && openedAt.current !== null && lastIncoming.id > openedAt.current ? lastIncoming.body || "Image" : ""}
      </div>

      {lightbox ? (
        <div role="dialog" aria-modal="true" aria-label="Image" className="fixed inset-0 z-50 flex items-center justify-center bg-black/80 p-4" onClick={() => setLightbox(null)}>
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img src={lightbox} alt="Full-size image" className="max-h-full max-w-full rounded" />
          <button type="button" onClick={() => setLightbox(null)} aria-label="Close image" className="absolute top-4 right-4 rounded-full bg-white/90 px-3 py-1 text-lg">
            ×
          </button>
        </div>
      ) : null}
    </div>
  );
});


"use client";

import { useEffect, useRef } from "react";
import type { InboxItem } from "@/lib/inbox/list-bucket";
import type { ListState } from "./inbox-state";

/**
 * A keyset-paged chat list with infinite scroll (the agent inbox's buckets,
 * the QA console): loading, error with retry, empty, the rows, and a
 * sentinel at the bottom that loads the next page as it scrolls into view.
 */
export function PagedList({
  list,
  empty,
  renderItem,
  onLoadMore,
  onRetry,
  containerProps,
}: {
  list: ListState;
  /** Shown when the list is loaded and has no rows. */
  empty: React.ReactNode;
  /** One `<li>` per chat. */
  renderItem: (item: InboxItem) => React.ReactNode;
  onLoadMore: () => void;
  onRetry: () => void;
  /** Extra attributes of the scrolling container (a tab panel's id and role). */
  containerProps?: React.HTMLAttributes<HTMLDivElement>;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLLIElement>(null);
  const loadMore = useRef(onLoadMore);
  loadMore.current = onLoadMore;
  const canLoadMore = list.status === "ready" && list.nextCursor !== null && !list.loadingMore && !list.moreError;

  useEffect(() => {
    const el = sentinel.current;
    if (!el || !canLoadMore) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadMore.current(), {
      root: scroller.current,
      rootMargin: "200px 0px",
    });
    io.observe(el);
    return () => io.disconnect();
  }, [canLoadMore, list.items.length]);

  return (
    <div
      ref={scroller}
      {...containerProps}
      aria-busy={list.status === "loading" || list.loadingMore}
      className="min-h-0 flex-1 overflow-y-auto rounded-lg border border-slate-200 bg-white"
    >
      {list.status === "loading" ? (
        <p role="status" className="p-4 text-sm text-slate-500">
          Loading chats…
        </p>
      ) : list.status === "error" ? (
        <div role="alert" className="space-y-2 p-4 text-sm text-red-700">
          <p>Couldn&apos;t load chats: {list.error}</p>
          <button type="button" onClick={onRetry} className="rounded-md border border-red-300 px-2 py-1 text-xs hover:bg-red-50">
            Try again
          </button>
        </div>
      ) : list.items.length === 0 ? (
        <p className="p-4 text-sm text-slate-500">{empty}</p>
      ) : (
        <ul aria-label="Chats" className="divide-y divide-slate-100">
          {list.items.map(renderItem)}
          {list.nextCursor !== null ? (
            <li ref={sentinel} className="p-3 text-center text-xs text-slate-500">
              {list.moreError ? (
                <span role="alert" className="text-red-700">
                  Couldn&apos;t load more: {list.moreError}{" "}
                  <button type="button" onClick={onLoadMore} className="underline">
                    Retry
                  </button>
                </span>
              ) : list.loadingMore ? (
                <span role="status">Loading more…</span>
              ) : (
                <button type="button" onClick={onLoadMore} className="underline">
                  Load more chats
                </button>
              )}
            </li>
          ) : null}
        </ul>
      )}
    </div>
  );
}

"use client";

import type { Bucket } from "@/lib/inbox/buckets";
import type { InboxItem } from "@/lib/inbox/list-bucket";
import { shortTime } from "./format";
import type { ListState } from "./inbox-state";
import { PagedList } from "./PagedList";

const EMPTY: Record<Bucket, string> = {
  active: "No active chats. New chats are assigned to you automatically while you're online.",
  offline: "No offline chats. Chats whose visitor left stay here so you can follow up.",
  closed: "No closed chats yet.",
  unassigned: "The queue is empty. Waiting chats show up here for anyone to pick.",
  others: "Your teammates have no open chats right now.",
};

/** Routing skips an agent on break: the empty Active bucket must not promise chats then. */
const EMPTY_ACTIVE_ON_BREAK = "No active chats. You're on break, so no new chats are assigned to you; turn off “On break” to take chats again.";

/**
 * One bucket's chats, newest activity first, with infinite scroll: a sentinel
 * at the bottom loads the next keyset page when it scrolls into view.
 */
export function ChatList({
  bucket,
  list,
  query,
  onBreak,
  selectedId,
  showUnread,
  onOpen,
  onToggleStar,
  onLoadMore,
  onRetry,
  panelId,
}: {
  bucket: Bucket;
  list: ListState;
  query: string;
  onBreak: boolean;
  selectedId: number | null;
  showUnread: boolean;
  onOpen: (item: InboxItem) => void;
  onToggleStar: (item: InboxItem) => void;
  onLoadMore: () => void;
  onRetry: () => void;
  panelId: string;
}) {
  return (
    <PagedList
      list={list}
      onLoadMore={onLoadMore}
      onRetry={onRetry}
      containerProps={{ id: panelId, role: "tabpanel", "aria-labelledby": `bucket-tab-${bucket}` }}
      empty={query.trim() ? `No chats match “${query.trim()}”.` : bucket === "active" && onBreak ? EMPTY_ACTIVE_ON_BREAK : EMPTY[bucket]}
      renderItem={(c) => (
        <ChatRow
          key={c.id}
          c={c}
          selected={c.id === selectedId}
          showUnread={showUnread}
          onOpen={() => onOpen(c)}
          onToggleStar={() => onToggleStar(c)}
        />
      )}
    />
  );
}

function ChatRow({
  c,
  selected,
  showUnread,
  onOpen,
  onToggleStar,
}: {
  c: InboxItem;
  selected: boolean;
  showUnread: boolean;
  onOpen: () => void;
  onToggleStar: () => void;
}) {
  const unread = showUnread ? c.staffUnread : 0;
  return (
    <li className={`flex items-stretch ${selected ? "bg-blue-50" : "hover:bg-slate-50"}`} data-conversation-id={c.id}>
      <button
        type="button"
        onClick={onOpen}
        aria-current={selected ? "true" : undefined}
        aria-label={`${c.visitor.name}${unread ? `, ${unread} unread` : ""}`}
        className="flex min-w-0 flex-1 items-start gap-2 px-3 py-2 text-left"
      >
        <span className="min-w-0 flex-1">
          <span className="flex items-baseline gap-2">
            <span className={`truncate text-sm ${unread ? "font-semibold" : "font-medium"}`}>{c.visitor.name}</span>
            {c.assigneeName && c.status !== "queued" ? <span className="truncate text-[11px] text-slate-400">{c.assigneeName}</span> : null}
          </span>
          <span className={`block truncate text-xs ${unread ? "text-slate-800" : "text-slate-500"}`}>{c.lastMessagePreview || "No messages yet"}</span>
        </span>
        <span className="flex shrink-0 flex-col items-end gap-1">
          <time dateTime={c.lastMessageAt} className="text-[11px] text-slate-400">
            {shortTime(c.lastMessageAt)}
          </time>
          {unread > 0 ? (
            <span aria-hidden="true" className="min-w-5 rounded-full bg-red-600 px-1.5 text-center text-[11px] font-semibold text-white tabular-nums">
              {unread > 99 ? "99+" : unread}
            </span>
          ) : null}
        </span>
      </button>
      <button
        type="button"
        onClick={onToggleStar}
        aria-label={c.starred ? "Unstar chat" : "Star chat"}
        aria-pressed={c.starred}
        title={c.starred ? "Unstar chat" : "Star chat"}
        className={`shrink-0 px-2 text-lg leading-none ${c.starred ? "text-amber-500" : "text-slate-300 hover:text-slate-500"}`}
      >
        <span aria-hidden="true">{c.starred ? "★" : "☆"}</span>
      </button>
    </li>
  );
}

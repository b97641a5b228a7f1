"use client";

import type { InboxItem } from "@/lib/inbox/list-bucket";
import { shortTime } from "@/components/agent/format";
import { PagedList } from "@/components/agent/PagedList";
import { QA_STATUS_LABEL } from "./labels";
import type { QaListState } from "./qa-list-state";

const STATUS_PILL: Record<InboxItem["status"], string> = {
  queued: "bg-amber-50 text-amber-800",
  active: "bg-green-50 text-green-800",
  offline: "bg-slate-100 text-slate-700",
  closed: "bg-slate-100 text-slate-600",
};

/** Who holds the chat, as QA reads it: an agent, the AI, or nobody yet. */
export function ownerLabel(c: Pick<InboxItem, "assignedToAi" | "assigneeName" | "status">): string {
  if (c.assignedToAi) return "AI agent";
  if (c.assigneeName) return c.assigneeName;
  return c.status === "queued" ? "Waiting in queue" : "No agent";
}

/**
 * Every chat matching the QA filters, newest activity first, with the agent
 * inbox's infinite scroll. Read-only rows: status, owner, preview and time;
 * no stars, no unread badges (those are the agent's).
 */
export function QaChatList({
  list,
  filtered,
  selectedId,
  onOpen,
  onLoadMore,
  onRetry,
}: {
  list: QaListState;
  filtered: boolean;
  selectedId: number | null;
  onOpen: (item: InboxItem) => void;
  onLoadMore: () => void;
  onRetry: () => void;
}) {
  return (
    <PagedList
      list={list}
      onLoadMore={onLoadMore}
      onRetry={onRetry}
      empty={filtered ? "No chats match these filters." : "No chats yet. They appear here the moment a visitor starts one."}
      renderItem={(c) => (
        <li key={c.id} data-conversation-id={c.id} className={c.id === selectedId ? "bg-blue-50" : "hover:bg-slate-50"}>
          <button
            type="button"
            onClick={() => onOpen(c)}
            aria-current={c.id === selectedId ? "true" : undefined}
            className="flex w-full min-w-0 items-start gap-2 px-3 py-2 text-left"
          >
            <span className="min-w-0 flex-1">
              <span className="flex items-baseline gap-2">
                <span className="truncate text-sm font-medium">{c.visitor.name}</span>
                <span className="truncate text-[11px] text-slate-500">{ownerLabel(c)}</span>
              </span>
              <span className="block truncate text-xs text-slate-500">{c.lastMessagePreview || "No messages yet"}</span>
            </span>
            <span className="flex shrink-0 flex-col items-end gap-1">
              <time dateTime={c.lastMessageAt} className="text-[11px] text-slate-500">
                {shortTime(c.lastMessageAt)}
              </time>
              <span className={`rounded-full px-1.5 text-[11px] ${STATUS_PILL[c.status]}`}>{QA_STATUS_LABEL[c.status]}</span>
            </span>
          </button>
        </li>
      )}
    />
  );
}

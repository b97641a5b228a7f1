"use client";

import { useRef } from "react";
import { BUCKET_LABEL, BUCKETS, type Bucket } from "@/lib/inbox/buckets";
import type { BucketCounts } from "@/lib/inbox/bucket-counts";
import { plural } from "./format";

/**
 * The five bucket tabs with live count and red unread badge. The accessible
 * name carries both ("Active, 3 chats, 2 unread"); arrow keys move between tabs.
 */
export function BucketTabs({
  bucket,
  counts,
  onSelect,
  panelId,
}: {
  bucket: Bucket;
  counts: BucketCounts | null;
  onSelect: (b: Bucket) => void;
  panelId: string;
}) {
  const refs = useRef<Partial<Record<Bucket, HTMLButtonElement | null>>>({});

  function onKeyDown(e: React.KeyboardEvent) {
    const i = BUCKETS.indexOf(bucket);
    const next =
      e.key === "ArrowRight" || e.key === "ArrowDown"
        ? BUCKETS[(i + 1) % BUCKETS.length]
        : e.key === "ArrowLeft" || e.key === "ArrowUp"
          ? BUCKETS[(i + BUCKETS.length - 1) % BUCKETS.length]
          : e.key === "Home"
            ? BUCKETS[0]
            : e.key === "End"
              ? BUCKETS[BUCKETS.length - 1]
              : null;
    if (!next) return;
    e.preventDefault();
    onSelect(next);
    refs.current[next]?.focus();
  }

  return (
    <div role="tablist" aria-label="Chat buckets" className="grid grid-cols-5 gap-1 rounded-lg border border-slate-200 bg-white p-1" onKeyDown={onKeyDown}>
      {BUCKETS.map((b) => {
        const c = counts?.[b];
        const selected = b === bucket;
        const label = c ? `${BUCKET_LABEL[b]}, ${plural(c.count, "chat")}${c.unread ? `, ${c.unread} unread` : ""}` : BUCKET_LABEL[b];
        return (
          <button
            key={b}
            ref={(el) => {
              refs.current[b] = el;
            }}
            type="button"
            role="tab"
            id={`bucket-tab-${b}`}
            aria-selected={selected}
            aria-controls={panelId}
            aria-label={label}
            tabIndex={selected ? 0 : -1}
            onClick={() => onSelect(b)}
            className={`flex min-w-0 flex-col items-center gap-0.5 rounded-md px-0.5 py-1.5 ${
              selected ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-100"
            }`}
          >
            <span className="max-w-full truncate text-[11px] font-medium sm:text-xs">{BUCKET_LABEL[b]}</span>
            <span className="flex items-center gap-1">
              <span className={`text-xs tabular-nums ${selected ? "text-slate-300" : "text-slate-500"}`} data-testid={`bucket-count-${b}`}>
                {c ? c.count : "–"}
              </span>
              {c && c.unread > 0 ? (
                <span className="min-w-4 rounded-full bg-red-600 px-1 text-center text-[10px] leading-4 font-semibold text-white tabular-nums" data-testid={`bucket-unread-${b}`}>
                  {c.unread > 99 ? "99+" : c.unread}
                </span>
              ) : null}
            </span>
          </button>
        );
      })}
    </div>
  );
}

"use client";

import { memo, useState } from "react";
import type { Side, ThreadMessage } from "./useChat";
import type { Tick as TickState } from "./chat-sync";
import type { AttachmentDTO } from "@/lib/wire";
import { Linkified } from "./linkify";
import { dayLabel, initials, type ThreadRow } from "./thread-rows";

const TICK_LABEL = { pending: "Sending", failed: "Not sent", sent: "Sent", delivered: "Delivered", read: "Read" } as const;

/**
 * Ticks on a white chip: legible on any bubble colour (a project's accent can
 * be anything). 15 px bold glyphs; slate-600 and emerald-700 on white are 7.6:1
 * and 5.5:1, above WCAG AA.
 */
function Tick({ state }: { state: TickState }) {
  if (state === "failed") return null;
  if (state === "pending") {
    return (
      <span role="img" aria-label={TICK_LABEL.pending} data-tick="pending" className="inline-flex h-[18px] items-center rounded-full bg-white px-1 text-slate-600">
        <svg aria-hidden="true" viewBox="0 0 16 16" className="h-3.5 w-3.5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round">
          <circle cx="8" cy="8" r="6" />
          <path d="M8 4.5V8l2.2 1.5" />
        </svg>
      </span>
    );
  }
  const color = state === "read" ? "text-emerald-700" : "text-slate-600";
  return (
    <span
      role="img"
      aria-label={TICK_LABEL[state]}
      data-tick={state}
      className={`inline-flex h-[18px] items-center rounded-full bg-white px-1.5 text-[15px] leading-none font-bold tracking-[-0.2em] ${color}`}
    >
      {state === "sent" ? "✓" : "✓✓"}
    </span>
  );
}

/** The staff console's label, as before: visitor name, "AI", or the staff member's name. */
function staffSideLabel(m: ThreadMessage, visitorName: string | undefined): string {
  if (m.senderKind === "visitor") return visitorName ?? "Visitor";
  return m.senderKind === "ai" ? "AI" : (m.senderName ?? (m.senderKind === "admin" ? "Admin" : "Agent"));
}

// One formatter for every row: toLocaleTimeString builds one per call (~0.1 ms each in Chromium).
const TIME = typeof Intl !== "undefined" ? new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit" }) : null;

function time(iso: string) {
  const d = new Date(iso);
  return TIME ? TIME.format(d) : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function DaySeparator({ day, today }: { day: number; today: number }) {
  return (
    <div className="flex justify-center py-2" role="separator" aria-label={dayLabel(day, today)}>
      <span className="rounded-full bg-white px-3 py-0.5 text-xs font-medium text-slate-600 shadow-sm ring-1 ring-slate-200" aria-hidden="true">
        {dayLabel(day, today)}
      </span>
    </div>
  );
}

/** Append the viewer's query (e.g. a widget's `vt` token) to a URL that may already have one. */
function withQuery(url: string, query: string): string {
  if (!query) return url;
  return url + (url.includes("?") ? "&" : "?") + query.replace(/^[?&]/, "");
}

/**
 * The thread shows the small WebP thumbnail, sized from its own dimensions so
 * nothing shifts when it loads; the full image opens only in the viewer.
 * Uploads from before thumbnails show the full image, as they always did.
 */
function Attachment({ a, query, onOpen }: { a: AttachmentDTO; query: string; onOpen: (url: string) => void }) {
  const [broken, setBroken] = useState(false);
  if (broken) {
    return (
      <p className="mb-1 rounded-lg bg-slate-100 px-3 py-4 text-center text-xs text-slate-600" role="img" aria-label="Image unavailable">
        Image unavailable
      </p>
    );
  }
  const thumb = a.thumbUrl ? { src: a.thumbUrl, width: a.thumbWidth, height: a.thumbHeight } : { src: a.url, width: a.width, height: a.height };
  return (
    <button type="button" onClick={() => onOpen(withQuery(a.url, query))} className="mb-1 block" aria-label="Open full-size image">
      {/* eslint-disable-next-line @next/next/no-img-element */}
      <img
        src={withQuery(thumb.src, query)}
        alt="Image attachment"
        loading="lazy"
        decoding="async"
        width={thumb.width ?? undefined}
        height={thumb.height ?? undefined}
        onError={() => setBroken(true)}
        className="max-h-60 max-w-60 rounded-lg object-cover"
        style={{ height: "auto" }}
      />
    </button>
  );
}

export type MessageRowProps = {
  row: ThreadRow;
  viewer: Side;
  mine: boolean;
  tick: TickState | null;
  highlighted: boolean;
  /** Touch devices: this row was tapped, so its reply control shows. */
  active: boolean;
  today: number;
  visitorName?: string;
  accentColor?: string;
  imageQuery: string;
  canReply: boolean;
  canRetry: boolean;
  onReply?: (m: ThreadMessage) => void;
  onJump: (id: number) => void;
  onOpenImage: (url: string) => void;
  onRetry: (clientMsgId: string) => void;
  onActivate: (key: string) => void;
};

/**
 * One message of the thread. Memoised on plain props: a new message, a tick
 * or a keystroke in the composer re-renders no other row.
 */
export const MessageRow = memo(function MessageRow(p: MessageRowProps) {
  const { row, mine } = p;
  const m = row.m;
  const separator = (
    <>
      {row.newConversation ? (
        <div className="flex items-center gap-3 py-2 text-xs text-slate-500" role="separator" aria-label="New conversation">
          <span className="h-px flex-1 bg-slate-300" aria-hidden="true" />
          <span aria-hidden="true">New conversation</span>
          <span className="h-px flex-1 bg-slate-300" aria-hidden="true" />
        </div>
      ) : null}
      {row.newDay ? <DaySeparator day={row.day} today={p.today} /> : null}
    </>
  );

  if (m.senderKind === "system") {
    return (
      <>
        {separator}
        <div className="flex justify-center px-6 py-1">
          <p
            data-sender="system"
            className={`max-w-[90%] rounded-md px-2 py-0.5 text-center text-xs text-slate-600 transition ${p.highlighted ? "ring-4 ring-yellow-300" : ""}`}
          >
            {m.body}
          </p>
        </div>
      </>
    );
  }

  const fromAdmin = m.senderKind === "admin";
  const staffOnVisitorSide = p.viewer === "visitor" && !mine;
  const bubble = mine
    ? "text-white"
    : fromAdmin
      ? "bg-amber-50 border border-amber-300 text-slate-900"
      : "bg-white border border-slate-200 text-slate-900";
  const staffName = m.senderName ?? "Support";

  return (
    <>
      {separator}
      <div
        className={`group flex items-end gap-1.5 ${mine ? "justify-end" : "justify-start"} ${row.firstOfRun ? "pt-2" : "pt-0.5"}`}
        data-active={p.active || undefined}
      >
        {staffOnVisitorSide ? (
          row.firstOfRun ? (
            <span
              aria-hidden="true"
              className={`flex h-8 w-8 shrink-0 items-center justify-center self-start rounded-full text-[11px] font-semibold ${fromAdmin ? "bg-amber-200 text-amber-900" : "bg-slate-700 text-white"}`}
            >
              {initials(staffName)}
            </span>
          ) : (
            <span aria-hidden="true" className="w-8 shrink-0" />
          )
        ) : null}
        <div
          className={`max-w-[80%] min-w-0 rounded-2xl px-3 py-1.5 shadow-sm transition ${bubble} ${p.highlighted ? "ring-4 ring-yellow-300" : ""}`}
          style={mine ? { background: p.accentColor ?? "#2563eb" } : undefined}
          data-sender={m.senderKind}
          onClick={(e) => {
            // Touch screens have no hover: a tap on the bubble (not on a link or button in it) shows its reply control.
            if ((e.target as HTMLElement).closest("a,button")) return;
            if (window.matchMedia("(hover: none)").matches) p.onActivate(row.key);
          }}
        >
          {p.viewer === "staff" ? (
            <p className={`mb-0.5 text-[11px] font-medium ${mine ? "text-white/90" : "text-slate-600"}`}>{staffSideLabel(m, p.visitorName)}</p>
          ) : staffOnVisitorSide && row.firstOfRun ? (
            <p className={`mb-0.5 flex items-center gap-1.5 text-xs font-semibold ${fromAdmin ? "text-amber-900" : "text-slate-700"}`}>
              <span>{staffName}</span>
              {fromAdmin ? <span className="rounded bg-amber-200 px-1 py-px text-[10px] font-semibold tracking-wide text-amber-900">Support team</span> : null}
            </p>
          ) : null}
          {m.replyTo ? (
            <button
              type="button"
              onClick={() => p.onJump(m.replyTo!.id)}
              aria-label={`Go to quoted message: ${m.replyTo.excerpt || "image"}`}
              className={`mb-1 block w-full rounded-md border-l-4 px-2 py-1 text-left text-xs ${mine ? "border-white/80 bg-white/15" : "border-slate-400 bg-slate-100"}`}
            >
              <span className="line-clamp-2">{m.replyTo.excerpt || (m.replyTo.hasImage ? "📷 Image" : "")}</span>
            </button>
          ) : null}
          {m.attachment ? (
            <Attachment a={m.attachment} query={p.imageQuery} onOpen={p.onOpenImage} />
          ) : null}
          {m.body ? (
            <p className="text-sm break-words whitespace-pre-wrap">
              <Linkified text={m.body} />
            </p>
          ) : null}
          <div className={`mt-0.5 flex items-center justify-end gap-1 text-[11px] ${mine ? "text-white/90" : "text-slate-500"}`}>
            <time dateTime={m.createdAt}>{time(m.createdAt)}</time>
            {p.tick ? <Tick state={p.tick} /> : null}
          </div>
          {m.local === "failed" && p.canRetry ? (
            <div className="mt-1 flex items-center justify-end gap-2 text-xs">
              <span role="alert" className="rounded bg-red-100 px-1.5 py-0.5 text-red-700">
                Not sent
              </span>
              <button type="button" onClick={() => p.onRetry(m.clientMsgId)} className="rounded bg-white px-2 py-0.5 font-medium text-red-700 underline">
                Retry
              </button>
            </div>
          ) : null}
        </div>
        {p.canReply && p.onReply && !m.local ? (
          <button
            type="button"
            onClick={() => p.onReply!(m)}
            aria-label="Reply"
            title="Reply"
            className={`flex h-8 w-8 shrink-0 items-center justify-center self-center rounded-full text-slate-600 transition-opacity hover:bg-slate-200 hover:text-slate-900 focus-visible:opacity-100 group-hover:opacity-100 ${
              p.active ? "opacity-100" : "opacity-0 [@media(hover:none)]:pointer-events-none"
            } ${mine ? "order-first" : ""}`}
          >
            <svg aria-hidden="true" viewBox="0 0 24 24" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
              <path d="M9 14 4 9l5-5" />
              <path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />
            </svg>
          </button>
        ) : null}
      </div>
    </>
  );
});

"use client";

import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { ChatApi, Side, ThreadMessage } from "./useChat";
import { Linkified } from "./linkify";

const TICK_LABEL = { pending: "Sending", failed: "Not sent", sent: "Sent", delivered: "Delivered", read: "Read" } as const;

function Tick({ state }: { state: keyof typeof TICK_LABEL }) {
  if (state === "pending") {
    return (
      <span role="img" aria-label={TICK_LABEL.pending} className="text-slate-400">
        🕓
      </span>
    );
  }
  if (state === "failed") return null;
  const color = state === "read" ? "text-emerald-500" : "text-slate-400";
  return (
    <span role="img" aria-label={TICK_LABEL[state]} data-tick={state} className={`font-semibold tracking-tighter ${color}`}>
      {state === "sent" ? "✓" : "✓✓"}
    </span>
  );
}

function senderLabel(m: ThreadMessage, viewer: Side, visitorName: string | undefined): string {
  if (m.senderKind === "visitor") return viewer === "visitor" ? "You" : visitorName ?? "Visitor";
  if (m.senderKind === "system") return "System";
  if (viewer === "visitor") return m.senderKind === "admin" ? "Support team" : "Support";
  return m.senderKind === "ai" ? "AI" : (m.senderName ?? (m.senderKind === "admin" ? "Admin" : "Agent"));
}

function time(iso: string) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/**
 * The message list: bubbles with ticks, reply quotes that jump to the
 * original (loading older pages if needed), lazy image thumbnails, and
 * infinite scroll upwards that keeps the reading position.
 */
export function ChatThread({
  chat,
  viewer,
  visitorName,
  accentColor,
  imageQuery = "",
  onReply,
}: {
  chat: ChatApi;
  viewer: Side;
  visitorName?: string;
  accentColor?: string;
  /** Appended to image URLs (the widget passes the visitor token). */
  imageQuery?: string;
  onReply?: (m: ThreadMessage) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const topSentinel = useRef<HTMLDivElement>(null);
  const chatRef = useRef(chat);
  chatRef.current = chat;
  const [highlight, setHighlight] = useState<number | null>(null);
  const [lightbox, setLightbox] = useState<string | null>(null);
  const firstId = chat.messages.find((m) => !m.local)?.id;
  const lastKey = chat.messages.at(-1)?.clientMsgId;
  const prevFirst = useRef<number | undefined>(undefined);
  const prevHeight = useRef(0);
  const atBottom = useRef(true);

  // Keep the reading position when older messages are prepended; stick to the bottom otherwise.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (prevFirst.current !== undefined && firstId !== undefined && firstId < prevFirst.current) {
      el.scrollTop += el.scrollHeight - prevHeight.current;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    prevFirst.current = firstId;
    prevHeight.current = el.scrollHeight;
  }, [firstId, lastKey, chat.otherTyping]);

  useEffect(() => {
    const el = scroller.current;
    const s = topSentinel.current;
    if (!el || !s) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && chatRef.current.hasOlder && chatRef.current.loaded) {
          prevHeight.current = el.scrollHeight;
          void chatRef.current.loadOlder();
        }
      },
      { root: el, rootMargin: "200px 0px 0px 0px" },
    );
    io.observe(s);
    return () => io.disconnect();
  }, []);

  const jumpTo = useCallback(async (id: number) => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
    for (let i = 0; i < 200; i++) {
      const el = document.getElementById(`msg-${id}`);
      if (el) {
        el.scrollIntoView({ block: "center", behavior: "smooth" });
        setHighlight(id);
        setTimeout(() => setHighlight((h) => (h === id ? null : h)), 1600);
        return;
      }
      if (!chatRef.current.hasOlder) return;
      if (!chatRef.current.loadingOlder) {
        prevHeight.current = scroller.current?.scrollHeight ?? 0;
        await chatRef.current.loadOlder();
      }
      await frame();
      await frame();
    }
  }, []);

  return (
    <div
      ref={scroller}
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}
      className="flex-1 overflow-y-auto px-3 py-3"
      aria-live="polite"
      aria-relevant="additions"
    >
      <div ref={topSentinel} />
      {chat.hasOlder ? (
        <div className="mb-2 text-center">
          <button
            type="button"
            onClick={() => void chat.loadOlder()}
            disabled={chat.loadingOlder}
            className="rounded-full bg-slate-100 px-3 py-1 text-xs text-slate-600 hover:bg-slate-200"
          >
            {chat.loadingOlder ? "Loading…" : "Load older messages"}
          </button>
        </div>
      ) : null}
      {!chat.loaded ? (
        <p className="py-8 text-center text-sm text-slate-500" role="status">
          Loading conversation…
        </p>
      ) : chat.messages.length === 0 ? (
        <p className="py-8 text-center text-sm text-slate-500">No messages yet. Say hello!</p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Chat history">
        {chat.messages.map((m) => {
          const mine = chat.isMine(m);
          const tick = chat.tickOf(m);
          const fromAdmin = m.senderKind === "admin";
          const bubble = mine
            ? "text-white"
            : fromAdmin
              ? "bg-amber-50 border border-amber-200 text-slate-900"
              : "bg-white border border-slate-200 text-slate-900";
          return (
            <li
              key={m.local ? m.clientMsgId : m.id}
              id={m.local ? undefined : `msg-${m.id}`}
              className={`group flex ${mine ? "justify-end" : "justify-start"}`}
            >
              <div
                className={`max-w-[80%] rounded-2xl px-3 py-2 shadow-sm transition ${bubble} ${highlight === m.id ? "ring-4 ring-yellow-300" : ""}`}
                style={mine ? { background: accentColor ?? "#2563eb" } : undefined}
                data-sender={m.senderKind}
              >
                <p className={`mb-0.5 text-[11px] font-medium ${mine ? "text-white/80" : "text-slate-500"}`}>
                  {senderLabel(m, viewer, visitorName)}
                </p>
                {m.replyTo ? (
                  <button
                    type="button"
                    onClick={() => void jumpTo(m.replyTo!.id)}
                    aria-label={`Go to quoted message: ${m.replyTo.excerpt || "image"}`}
                    className={`mb-1 block w-full rounded-md border-l-4 px-2 py-1 text-left text-xs ${mine ? "border-white/70 bg-white/15" : "border-slate-400 bg-slate-100"}`}
                  >
                    <span className="line-clamp-2">{m.replyTo.excerpt || (m.replyTo.hasImage ? "📷 Image" : "")}</span>
                  </button>
                ) : null}
                {m.attachment ? (
                  <button
                    type="button"
                    onClick={() => setLightbox(m.attachment!.url + imageQuery)}
                    className="mb-1 block"
                    aria-label="Open full-size image"
                  >
                    {/* eslint-disable-next-line @next/next/no-img-element */}
                    <img
                      src={m.attachment.url + imageQuery}
                      alt="Image attachment"
                      loading="lazy"
                      width={m.attachment.width ?? undefined}
                      height={m.attachment.height ?? undefined}
                      className="max-h-60 max-w-60 rounded-lg object-cover"
                      style={{ height: "auto" }}
                    />
                  </button>
                ) : null}
                {m.body ? (
                  <p className="whitespace-pre-wrap break-words text-sm">
                    <Linkified text={m.body} />
                  </p>
                ) : null}
                <div className={`mt-0.5 flex items-center justify-end gap-1 text-[10px] ${mine ? "text-white/80" : "text-slate-400"}`}>
                  <time dateTime={m.createdAt}>{time(m.createdAt)}</time>
                  {tick ? <Tick state={tick} /> : null}
                </div>
                {m.local === "failed" && chat.canWrite ? (
                  <div className="mt-1 flex items-center justify-end gap-2 text-xs">
                    <span role="alert" className="rounded bg-red-100 px-1.5 py-0.5 text-red-700">
                      Not sent
                    </span>
                    <button type="button" onClick={() => chat.retry(m.clientMsgId)} className="rounded bg-white px-2 py-0.5 font-medium text-red-700 underline">
                      Retry
                    </button>
                  </div>
                ) : null}
              </div>
              {onReply && !m.local && chat.canWrite ? (
                <button
                  type="button"
                  onClick={() => onReply(m)}
                  aria-label="Reply"
                  title="Reply"
                  className={`self-center px-1 text-slate-400 opacity-60 hover:text-slate-700 group-hover:opacity-100 focus:opacity-100 ${mine ? "order-first" : ""}`}
                >
                  ↩
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
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
}

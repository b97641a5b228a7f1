"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import type { ConversationDTO, ServerMessage } from "@/lib/realtime/protocol";

const STATUS = { queued: "Unassigned", active: "Active", offline: "Offline", closed: "Closed" } as const;

/** The all-chats list, kept live from the `inbox:all` room. */
export function AdminChatList({ initial }: { initial: ConversationDTO[] }) {
  const [items, setItems] = useState(initial);

  useEffect(() => {
    let ws: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | null = null;
    const connect = () => {
      if (stopped) return;
      ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
      ws.onopen = () => (attempt = 0);
      ws.onmessage = (ev) => {
        let msg: ServerMessage;
        try {
          msg = JSON.parse(ev.data as string) as ServerMessage;
        } catch {
          return;
        }
        if (msg.type === "conversation") {
          const c = msg.conversation;
          setItems((prev) => [c, ...prev.filter((x) => x.id !== c.id)].sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt) || b.id - a.id));
        } else if (msg.type === "message") {
          const m = msg.message;
          setItems((prev) =>
            prev
              .map((x) =>
                x.id === m.conversationId
                  ? { ...x, lastMessageAt: m.createdAt, lastMessagePreview: m.body ? m.body.slice(0, 140) : "📷 Image" }
                  : x,
              )
              .sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt) || b.id - a.id),
          );
        }
      };
      ws.onclose = (ev) => {
        if (stopped || ev.code === 4001) return;
        const base = Math.min(15_000, 500 * 2 ** attempt++);
        retry = setTimeout(connect, base / 2 + Math.random() * base);
      };
    };
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      ws?.close(1000);
    };
  }, []);

  if (items.length === 0) return <p className="text-sm text-slate-500">No chats yet. They appear here the moment a visitor starts one.</p>;
  return (
    <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white" aria-label="Chats">
      {items.map((c) => (
        <li key={c.id}>
          <Link href={`/admin/chats/${c.id}`} className="flex items-center gap-3 px-3 py-2 hover:bg-slate-50">
            <div className="min-w-0 flex-1">
              <p className="truncate font-medium">{c.visitor.name}</p>
              <p className="truncate text-xs text-slate-500">{c.lastMessagePreview || "No messages yet"}</p>
            </div>
            <span className="text-xs text-slate-500">{STATUS[c.status]}</span>
            <time className="text-xs text-slate-400" dateTime={c.lastMessageAt}>
              {new Date(c.lastMessageAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
            </time>
          </Link>
        </li>
      ))}
    </ul>
  );
}

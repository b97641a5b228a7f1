"use client";

import Link from "next/link";
import { useState } from "react";
import { useInboxSocket } from "@/components/agent/useInboxSocket";
import type { ConversationDTO, ServerMessage } from "@/lib/realtime/protocol";

const byActivity = (a: ConversationDTO, b: ConversationDTO) => b.lastMessageAt.localeCompare(a.lastMessageAt) || b.id - a.id;

const STATUS = { queued: "Unassigned", active: "Active", offline: "Offline", closed: "Closed" } as const;

/** The all-chats list, kept live from the `inbox:all` room. */
export function AdminChatList({ initial }: { initial: ConversationDTO[] }) {
  const [items, setItems] = useState(initial);

  // The same reconnecting staff socket as the agent console; admins are in `inbox:all`.
  useInboxSocket(
    (msg: ServerMessage) => {
      if (msg.type === "conversation") {
        const c = msg.conversation;
        setItems((prev) => [c, ...prev.filter((x) => x.id !== c.id)].sort(byActivity));
      } else if (msg.type === "message") {
        const m = msg.message;
        setItems((prev) =>
          prev
            .map((x) =>
              x.id === m.conversationId ? { ...x, lastMessageAt: m.createdAt, lastMessagePreview: m.body ? m.body.slice(0, 140) : "📷 Image" } : x,
            )
            .sort(byActivity),
        );
      }
    },
    () => {},
  );

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

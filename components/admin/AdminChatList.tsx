"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useStaffSocket } from "@/components/realtime/StaffSocketProvider";
import type { ConversationDTO } from "@/lib/realtime/protocol";

const byActivity = (a: ConversationDTO, b: ConversationDTO) => b.lastMessageAt.localeCompare(a.lastMessageAt) || b.id - a.id;

/** A fresh server list, keeping what live frames brought since it was rendered (chats it doesn't have, newer activity). */
function mergeLists(server: ConversationDTO[], live: ConversationDTO[]): ConversationDTO[] {
  const byId = new Map(server.map((c) => [c.id, c]));
  for (const c of live) {
    const s = byId.get(c.id);
    if (!s || c.lastMessageAt > s.lastMessageAt) byId.set(c.id, c);
  }
  return [...byId.values()].sort(byActivity);
}

const STATUS = { queued: "Unassigned", active: "Active", offline: "Offline", closed: "Closed" } as const;

/** The all-chats list, kept live from the `inbox:all` room. */
export function AdminChatList({ initial }: { initial: ConversationDTO[] }) {
  const [items, setItems] = useState(initial);
  const [rendered, setRendered] = useState(initial);
  if (initial !== rendered) {
    setRendered(initial);
    setItems((live) => mergeLists(initial, live));
  }

  // The console's shared socket: admins are in `inbox:all`.
  const socket = useStaffSocket();
  useEffect(
    () =>
      socket.onFrame((msg) => {
        if (msg.type === "conversation") {
          const c = msg.conversation;
          setItems((prev) => [c, ...prev.filter((x) => x.id !== c.id)].sort(byActivity));
        } else if (msg.type === "message" || msg.type === "ack") {
          // An ack is this socket's own message (the server doesn't echo it as a `message`).
          const m = msg.message;
          setItems((prev) =>
            prev
              .map((x) =>
                x.id === m.conversationId ? { ...x, lastMessageAt: m.createdAt, lastMessagePreview: m.body ? m.body.slice(0, 140) : "📷 Image" } : x,
              )
              .sort(byActivity),
          );
        }
      }),
    [socket],
  );
  // Frames published before this socket joined `inbox:all` (after the server render, or while
  // reconnecting) never reach it: every open re-renders the list on the server.
  const router = useRouter();
  useEffect(() => socket.onOpen(() => router.refresh()), [socket, router]);

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

"use client";

import { useState } from "react";
import { ChatThread } from "./ChatThread";
import { Composer } from "./Composer";
import { ConnectionBanner, TypingPill } from "./TypingPill";
import { VisitorStatus } from "./VisitorStatus";
import { useChat, type ThreadMessage } from "./useChat";
import { useOwnSocket } from "@/components/realtime/useSocket";

/** Props contract for the visitor's live chat. */
export type VisitorChatProps = {
  project: { slug: string; title: string; accentColor: string; iconUrl: string | null; welcomeMessage?: string };
  /** The visitor token (also in the project-scoped cookie and localStorage). */
  token: string;
  conversationId: number;
};

/** The visitor's side of a conversation: mobile-first, full height. */
export function VisitorChat({ project, token, conversationId: initialId }: VisitorChatProps) {
  const [conversationId, setConversationId] = useState(initialId);
  const [replyTo, setReplyTo] = useState<ThreadMessage | null>(null);
  const headers = { "x-visitor-token": token };
  // The visitor page's own socket: one per tab, kept across a move to a new chat.
  const socket = useOwnSocket(`?vt=${encodeURIComponent(token)}&project=${encodeURIComponent(project.slug)}`);
  const chat = useChat({
    side: "visitor",
    conversationId,
    socket,
    headers,
    canWrite: true,
    onMoved: (id) => setConversationId(id),
  });
  const closed = chat.conversation?.status === "closed";

  return (
    <section aria-label="Chat" className="flex min-h-0 flex-1 flex-col bg-slate-50">
      <ConnectionBanner state={chat.conn} error={chat.error} revoked={chat.revoked} />
      {closed ? null : <VisitorStatus view={chat.conversation} />}
      <ChatThread chat={chat} viewer="visitor" accentColor={project.accentColor} intro={project.welcomeMessage} onReply={setReplyTo} />
      {chat.otherTyping ? <TypingPill label="Support is typing…" /> : null}
      {closed ? (
        <p role="status" className="mx-3 mb-2 rounded-md bg-slate-200 px-3 py-2 text-center text-xs text-slate-700">
          This chat has ended. Send a message to start a new one.
        </p>
      ) : null}
      <Composer
        chat={chat}
        conversationId={conversationId}
        replyTo={replyTo}
        onCancelReply={() => setReplyTo(null)}
        uploadHeaders={headers}
        accentColor={project.accentColor}
      />
    </section>
  );
}

"use client";

import { useEffect, useState } from "react";
import type { ConversationDTO } from "@/lib/realtime/protocol";
import { useStaffSocket } from "@/components/realtime/StaffSocketProvider";
import { ChatThread } from "./ChatThread";
import { Composer } from "./Composer";
import { ConnectionBanner, TypingPill } from "./TypingPill";
import { useChat, type ThreadMessage } from "./useChat";
import { VisitorDetails } from "./VisitorDetails";

const STATUS_LABEL = { queued: "Unassigned", active: "Active", offline: "Visitor offline", closed: "Closed" } as const;

/** A staff member's view of one conversation: live thread, composer, close. */
export function StaffChat({
  conversationId,
  canWrite,
  canClose,
  onConversation,
  composerText,
  onComposerTextChange,
  composerButtons,
  showDetails = true,
}: {
  conversationId: number;
  canWrite: boolean;
  canClose: boolean;
  /** The live conversation state, whenever it changes (the agent console's toolbar follows it). */
  onConversation?: (c: ConversationDTO) => void;
  /** Controlled composer text and extra composer buttons (quick replies). */
  composerText?: string;
  onComposerTextChange?: (t: string) => void;
  composerButtons?: React.ReactNode;
  /** The collapsed visitor details under the header (off where the page shows them itself: the chat modal). */
  showDetails?: boolean;
}) {
  const [replyTo, setReplyTo] = useState<ThreadMessage | null>(null);
  const [closeError, setCloseError] = useState<string | null>(null);
  const socket = useStaffSocket();
  const chat = useChat({ side: "staff", conversationId, socket, canWrite });
  // Staff sockets always get the full chat, never the visitor view.
  const c = chat.conversation && "visitor" in chat.conversation ? chat.conversation : null;
  useEffect(() => {
    if (c) onConversation?.(c);
    // Only a new state of the conversation is news; the callback's identity is not.
  }, [c]);

  async function close() {
    setCloseError(null);
    const res = await fetch(`/api/chat/conversations/${conversationId}/close`, { method: "POST" });
    if (!res.ok) setCloseError("Couldn't close the chat.");
  }

  return (
    <section aria-label="Conversation" className="flex h-full min-h-0 flex-col rounded-lg border border-slate-200 bg-slate-50">
      <header className="flex flex-wrap items-center gap-x-4 gap-y-1 border-b border-slate-200 bg-white px-3 py-2">
        <div className="min-w-0 flex-1">
          <h2 className="truncate font-semibold">{c?.visitor.name ?? "…"}</h2>
          <p className="truncate text-xs text-slate-500">
            {c ? `${c.visitor.phone} · ${c.visitor.email}` : ""}
          </p>
        </div>
        {c ? (
          <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-700" aria-label="Status">
            {STATUS_LABEL[c.status]}
            {c.assigneeName ? ` · ${c.assigneeName}` : ""}
          </span>
        ) : null}
        {canClose && c && c.status !== "closed" ? (
          <button type="button" onClick={() => void close()} className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100">
            Close chat
          </button>
        ) : null}
      </header>
      {showDetails ? <VisitorDetails conversationId={conversationId} /> : null}
      {closeError ? (
        <p role="alert" className="bg-red-50 px-3 py-1 text-xs text-red-700">
          {closeError}
        </p>
      ) : null}
      <ConnectionBanner state={chat.conn} error={chat.error} revoked={chat.revoked} />
      <ChatThread chat={chat} viewer="staff" visitorName={c?.visitor.name} onReply={setReplyTo} />
      {chat.otherTyping ? <TypingPill label="Visitor is typing…" /> : null}
      {c?.status === "closed" || chat.revoked ? null : (
        <Composer
          chat={chat}
          conversationId={conversationId}
          replyTo={replyTo}
          onCancelReply={() => setReplyTo(null)}
          text={composerText}
          onTextChange={onComposerTextChange}
          extraButtons={composerButtons}
        />
      )}
    </section>
  );
}

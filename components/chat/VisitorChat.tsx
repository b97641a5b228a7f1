"use client";

/** Props contract for the visitor's live chat (owned by the messaging work). */
export type VisitorChatProps = {
  project: { slug: string; title: string; accentColor: string; iconUrl: string | null };
  /** The visitor token (also in the project-scoped cookie and localStorage). */
  token: string;
  conversationId: number;
};

export function VisitorChat(props: VisitorChatProps) {
  return <div data-conversation={props.conversationId}>Chat loading…</div>;
}

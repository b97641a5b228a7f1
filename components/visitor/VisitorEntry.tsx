"use client";

import { useEffect, useState } from "react";
import { VisitorChat, type VisitorChatProps } from "@/components/chat/VisitorChat";
import { readStoredToken, writeStoredToken } from "./landing/shared";

type Session = { token: string; conversationId: number };

export type VisitorEntryProps = {
  project: VisitorChatProps["project"];
  /** Found by the server from the project cookie. */
  initial: Session | null;
  /** The landing page with the contact form, for a browser that has no chat here. */
  landingUrl: string;
};

/**
 * The chat page's client side. The server already resolved the project
 * cookie; when that was missing (cleared, or a third-party iframe where the
 * cookie isn't sent) a token kept in localStorage resumes the chat and
 * restores the cookie. With neither, the visitor goes back to the form.
 */
export function VisitorEntry({ project, initial, landingUrl }: VisitorEntryProps) {
  const [session, setSession] = useState<Session | null>(initial);

  useEffect(() => {
    if (initial) {
      writeStoredToken(project.slug, initial.token);
      return;
    }
    const stored = readStoredToken(project.slug);
    if (!stored) {
      location.replace(landingUrl);
      return;
    }
    let cancelled = false;
    fetch("/api/visitor/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ slug: project.slug, token: stored }),
      credentials: "same-origin",
    })
      .then(async (res) => {
        if (cancelled) return;
        if (res.ok) {
          const body = (await res.json()) as { conversationId: number };
          setSession({ token: stored, conversationId: body.conversationId });
          return;
        }
        // The token no longer opens anything here (the landing page keeps counting the visitor as returning).
        if (res.status === 404) writeStoredToken(project.slug, null);
        location.replace(landingUrl);
      })
      .catch(() => {
        // offline: the form can retry with the same token
        if (!cancelled) location.replace(landingUrl);
      });
    return () => {
      cancelled = true;
    };
  }, [initial, project.slug, landingUrl]);

  if (!session) {
    return (
      <div className="flex flex-1 items-center justify-center p-8 text-slate-600" role="status">
        Resuming your conversation…
      </div>
    );
  }
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <VisitorChat project={project} token={session.token} conversationId={session.conversationId} />
    </div>
  );
}

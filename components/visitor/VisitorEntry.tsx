"use client";

import { useEffect, useState, type ReactNode } from "react";
import { VisitorChat, type VisitorChatProps } from "@/components/chat/VisitorChat";
import { ContactForm, type ContactFormProps } from "./ContactForm";

type Session = { token: string; conversationId: number };

export type VisitorEntryProps = {
  project: VisitorChatProps["project"];
  /** Text colour that reads on the accent. */
  onAccent: string;
  /** Found by the server from the project cookie. */
  initial: Session | null;
  form: Pick<ContactFormProps, "heading" | "description" | "countries" | "defaultCountry">;
  /** The welcome block, shown above the form. */
  children?: ReactNode;
};

/** Must match `visitorStorageKey` in lib/chat/visitor-session.ts (kept out of this bundle). */
const storageKey = (slug: string) => `occ:v:${slug}`;

function readStored(slug: string): string | null {
  try {
    return window.localStorage.getItem(storageKey(slug));
  } catch {
    return null; // storage disabled (private mode, blocked third-party storage)
  }
}

function writeStored(slug: string, token: string | null) {
  try {
    if (token) window.localStorage.setItem(storageKey(slug), token);
    else window.localStorage.removeItem(storageKey(slug));
  } catch {
    /* the cookie still carries the token */
  }
}

/**
 * The visitor page's client side: the chat when the visitor has a
 * conversation, otherwise the contact form. The server already resolved the
 * project cookie; when that was missing (cleared, or a third-party iframe
 * where the cookie isn't sent) a token kept in localStorage resumes the chat
 * and restores the cookie.
 */
export function VisitorEntry({ project, onAccent, initial, form, children }: VisitorEntryProps) {
  const [session, setSession] = useState<Session | null>(initial);
  const [resuming, setResuming] = useState(false);
  const [storedToken, setStoredToken] = useState<string | null>(null);

  useEffect(() => {
    if (initial) {
      writeStored(project.slug, initial.token);
      return;
    }
    const stored = readStored(project.slug);
    if (!stored) return;
    setStoredToken(stored);
    setResuming(true);
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
        } else if (res.status === 404) {
          // The token no longer opens anything here: start afresh (still counted as returning).
          writeStored(project.slug, null);
        }
      })
      .catch(() => {
        /* offline: the form stays; starting will retry with the same token */
      })
      .finally(() => {
        if (!cancelled) setResuming(false);
      });
    return () => {
      cancelled = true;
    };
  }, [initial, project.slug]);

  if (session) {
    return (
      <div className="flex min-h-0 flex-1 flex-col">
        <VisitorChat project={project} token={session.token} conversationId={session.conversationId} />
      </div>
    );
  }

  if (resuming) {
    return (
      <div className="flex flex-1 items-center justify-center p-8 text-slate-500" role="status">
        Resuming your conversation…
      </div>
    );
  }

  return (
    <div className="flex min-h-0 flex-1 flex-col overflow-y-auto">
      {children}
      <ContactForm
        {...form}
        slug={project.slug}
        accentColor={project.accentColor}
        onAccent={onAccent}
        storedToken={storedToken}
        onStarted={(s) => {
          writeStored(project.slug, s.token);
          setSession(s);
        }}
      />
    </div>
  );
}

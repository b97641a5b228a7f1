"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { MessageDTO } from "@/lib/realtime/protocol";
import type { ChatApi, ThreadMessage } from "./useChat";

type Win = { messages: MessageDTO[]; olderCursor: string | null; newerCursor: string | null };

/**
 * Which messages the thread shows. Normally the live list (useChat's last page
 * plus the older pages scrolled back to). A quote jump to a message that isn't
 * loaded fetches the window around it directly (`?around=`) and shows that
 * instead: one request at any depth, rather than paging back through
 * everything between. From a window the reader scrolls older (`before`) and
 * newer (`after`); once the window reaches the live list's first message the
 * two are shown as one list again (the window's part goes on paging older).
 */
export function useThreadWindow(chat: ChatApi) {
  const [win, setWin] = useState<Win | null>(null);
  const [busy, setBusy] = useState<null | "around" | "older" | "newer">(null);
  const [error, setError] = useState<string | null>(null);
  const busyRef = useRef(busy);
  busyRef.current = busy;
  const { fetchHistory } = chat;

  // Another conversation (the visitor's chat moved): a window of the old one means nothing.
  useEffect(() => {
    setWin(null);
    setError(null);
  }, [fetchHistory]);

  const firstLive = useMemo(() => chat.messages.find((m) => !m.local), [chat.messages]);
  const joined = win !== null && (win.newerCursor === null || (firstLive !== undefined && win.messages.length > 0 && win.messages.at(-1)!.id >= firstLive.id));

  const messages: ThreadMessage[] = useMemo(() => {
    if (!win) return chat.messages;
    if (!joined) return win.messages;
    const before = firstLive ? win.messages.filter((m) => m.id < firstLive.id) : win.messages;
    return before.length === 0 ? chat.messages : [...before, ...chat.messages];
  }, [win, joined, chat.messages, firstLive]);

  const hasOlder = win ? win.olderCursor !== null : chat.hasOlder;
  const hasNewer = win !== null && !joined;
  const loadingOlder = win ? busy === "older" : chat.loadingOlder;

  const loadOlder = useCallback(async () => {
    if (!win) return void (await chat.loadOlder());
    if (!win.olderCursor || busyRef.current) return;
    setBusy("older");
    try {
      const page = await fetchHistory({ before: win.olderCursor });
      setWin((w) => (w ? { ...w, messages: [...page.messages, ...w.messages], olderCursor: page.nextCursor ?? null } : w));
    } catch {
      setError("Couldn't load older messages.");
    } finally {
      setBusy(null);
    }
  }, [win, chat, fetchHistory]);

  const loadNewer = useCallback(async () => {
    if (!win || joined || !win.newerCursor || busyRef.current) return;
    setBusy("newer");
    try {
      const page = await fetchHistory({ after: win.newerCursor });
      setWin((w) => (w ? { ...w, messages: [...w.messages, ...page.messages], newerCursor: page.newerCursor ?? null } : w));
    } catch {
      setError("Couldn't load newer messages.");
    } finally {
      setBusy(null);
    }
  }, [win, joined, fetchHistory]);

  /** Show the window around a message that isn't loaded; resolves true when it is on screen to scroll to. */
  const loadAround = useCallback(
    async (id: number): Promise<boolean> => {
      setError(null);
      setBusy("around");
      try {
        const page = await fetchHistory({ around: id });
        if (!page.messages.some((m) => m.id === id)) throw new Error("missing");
        setWin({ messages: page.messages, olderCursor: page.olderCursor ?? null, newerCursor: page.newerCursor ?? null });
        return true;
      } catch {
        setError("Couldn't load the quoted message.");
        return false;
      } finally {
        setBusy(null);
      }
    },
    [fetchHistory],
  );

  /** Back to the live list (the latest messages). */
  const toLive = useCallback(() => setWin(null), []);

  return {
    messages,
    /** Showing a window that hasn't reached the live tail: "the bottom" isn't the latest message. */
    detached: hasNewer,
    hasOlder,
    hasNewer,
    loadingOlder,
    loadingNewer: busy === "newer",
    jumping: busy === "around",
    error,
    clearError: useCallback(() => setError(null), []),
    loadOlder,
    loadNewer,
    loadAround,
    toLive,
  };
}

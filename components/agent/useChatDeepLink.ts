"use client";

import { useEffect, useRef } from "react";
import type { ConversationDetails } from "@/lib/chat/conversation-details";
import type { ConversationDTO } from "@/lib/realtime/protocol";
import { apiRequest, errorText } from "@/components/ui/api";

/**
 * A link into the agent console that opens one chat — the CRM's "Open chat"
 * (/agent?c=<id>): read once on load; the server decides whether this agent
 * may read it (a refusal is said, not thrown). The parameter is then dropped
 * so a reload doesn't reopen it.
 */
export function useChatDeepLink(open: (c: ConversationDTO) => void, fail: (message: string) => void) {
  const cb = useRef({ open, fail });
  useEffect(() => {
    cb.current = { open, fail };
  });
  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const id = params.get("c");
    if (!id || !/^[1-9]\d{0,9}$/.test(id)) return;
    params.delete("c");
    const rest = params.toString();
    window.history.replaceState(window.history.state, "", `${window.location.pathname}${rest ? `?${rest}` : ""}`);
    const ctl = new AbortController();
    apiRequest<ConversationDetails>(`/api/chat/conversations/${id}/details`, { signal: ctl.signal })
      .then((d) => cb.current.open(d.conversation))
      .catch((e) => {
        if (!ctl.signal.aborted) cb.current.fail(`Couldn't open that chat: ${errorText(e)}`);
      });
    return () => ctl.abort();
  }, []);
}

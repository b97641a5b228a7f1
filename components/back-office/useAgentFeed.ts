"use client";

import { useEffect, useRef } from "react";
import type { ReconnectingSocket } from "@/components/realtime/reconnecting-socket";
import type { AgentStatusDTO, ConversationDTO } from "@/lib/realtime/protocol";

type Handlers = {
  /** One agent's presence or load changed (the `agent` frame, to supervisors only). */
  onAgent?: (agent: AgentStatusDTO) => void;
  /** A chat changed state (admins and managers are in `inbox:all`). */
  onConversation?: (conversation: ConversationDTO) => void;
  /**
   * The socket (re)connected: frames sent while it was away never arrive, so
   * the page re-reads what it shows once. The first open counts too (frames
   * between the page's first fetch and the socket joining its rooms).
   */
  onOpen?: () => void;
};

/** The back office's live feed on the console's shared socket. Handlers may change every render. */
export function useAgentFeed(socket: ReconnectingSocket, handlers: Handlers) {
  const ref = useRef(handlers);
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    const offFrame = socket.onFrame((msg) => {
      if (msg.type === "agent") ref.current.onAgent?.(msg.agent);
      else if (msg.type === "conversation") ref.current.onConversation?.(msg.conversation);
    });
    const offOpen = socket.onOpen(() => ref.current.onOpen?.());
    return () => {
      offFrame();
      offOpen();
    };
  }, [socket]);
}

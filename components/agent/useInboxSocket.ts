"use client";

import { useEffect, useRef, useState } from "react";
import type { ServerMessage } from "@/lib/realtime/protocol";

/** The server's inactivity rule signs agents out after 5 minutes; a heartbeat every minute keeps a reading agent in. */
const HEARTBEAT_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;
/** CLOSE.signedOut in lib/realtime/protocol (a value import would pull zod into the bundle). */
const CLOSE_SIGNED_OUT = 4001;

export type SocketState = "connecting" | "open" | "reconnecting" | "signed-out";

/**
 * The console's one inbox socket: `/ws` with the session cookie; the server
 * puts it in `staff:{userId}`, so it receives every `conversation` and
 * `message` frame about this agent's chats. Reconnects with jittered
 * exponential backoff; `onOpen` runs after every (re)connect so the caller can
 * re-sync what it missed.
 */
export function useInboxSocket(onFrame: (msg: ServerMessage) => void, onOpen: () => void): SocketState {
  const [state, setState] = useState<SocketState>("connecting");
  const handlers = useRef({ onFrame, onOpen });
  handlers.current = { onFrame, onOpen };

  useEffect(() => {
    let ws: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | null = null;

    const connect = () => {
      if (stopped) return;
      const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
      ws = socket;
      socket.onopen = () => {
        attempt = 0;
        setState("open");
        socket.send(JSON.stringify({ type: "heartbeat" }));
        handlers.current.onOpen();
      };
      socket.onmessage = (ev) => {
        let msg: ServerMessage;
        try {
          msg = JSON.parse(ev.data as string) as ServerMessage;
        } catch {
          return;
        }
        handlers.current.onFrame(msg);
      };
      socket.onerror = () => {};
      socket.onclose = (ev) => {
        if (stopped || ws !== socket) return;
        if (ev.code === CLOSE_SIGNED_OUT) return setState("signed-out");
        setState("reconnecting");
        const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt++);
        // Full jitter on the upper half: a server restart must not bring every console back in the same instant.
        retry = setTimeout(connect, base / 2 + Math.random() * (base / 2));
      };
    };

    const beat = setInterval(() => {
      if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "heartbeat" }));
    }, HEARTBEAT_MS);

    connect();
    return () => {
      stopped = true;
      clearInterval(beat);
      if (retry) clearTimeout(retry);
      ws?.close(1000);
    };
  }, []);

  return state;
}

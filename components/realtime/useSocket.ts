"use client";

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { ReconnectingSocket, wsUrl, type SocketState } from "./reconnecting-socket";

/** The socket's connection state, re-rendering on every change. */
export function useSocketState(socket: ReconnectingSocket): SocketState {
  const subscribe = useCallback((onChange: () => void) => socket.onState(onChange), [socket]);
  return useSyncExternalStore(
    subscribe,
    () => socket.state,
    // Server render: nothing is connected yet.
    () => "connecting",
  );
}

/**
 * A socket owned by one component (the visitor page): `/ws` plus `query`,
 * open while the component is mounted. Staff consoles share theirs through
 * StaffSocketProvider instead.
 */
export function useOwnSocket(query: string): ReconnectingSocket {
  const queryRef = useRef(query);
  queryRef.current = query;
  // Built during render (no side effects until start) so children get a socket on their first render.
  const [socket] = useState(() => new ReconnectingSocket({ url: () => wsUrl(queryRef.current) }));
  useEffect(() => {
    socket.start();
    return () => socket.stop();
  }, [socket]);
  return socket;
}

"use client";

import { createContext, useContext, useEffect, useState } from "react";
import { STAFF_HEARTBEAT_MS } from "@/lib/constants";
import { ReconnectingSocket, wsUrl } from "./reconnecting-socket";

const StaffSocketContext = createContext<ReconnectingSocket | null>(null);

/**
 * The console's one WebSocket (`/ws`, session cookie). The inbox, the open
 * chat and anything else on the page share it: the server puts it in the
 * user's rooms once, and the chats join and leave on it.
 */
export function StaffSocketProvider({ children }: { children: React.ReactNode }) {
  // Nested under another provider (a page inside a layout that has one): share that socket.
  const outer = useContext(StaffSocketContext);
  if (outer) return <>{children}</>;
  return <OwnStaffSocket>{children}</OwnStaffSocket>;
}

function OwnStaffSocket({ children }: { children: React.ReactNode }) {
  const [socket] = useState(() => new ReconnectingSocket({ url: () => wsUrl() }));
  useEffect(() => {
    // The 5-minute inactivity rule counts an open console as activity: beat on every (re)connect and every minute.
    const beat = () => socket.send({ type: "heartbeat" });
    const offOpen = socket.onOpen(beat);
    const timer = setInterval(beat, STAFF_HEARTBEAT_MS);
    socket.start();
    return () => {
      clearInterval(timer);
      offOpen();
      socket.stop();
    };
  }, [socket]);
  return <StaffSocketContext.Provider value={socket}>{children}</StaffSocketContext.Provider>;
}

/** The console's shared socket; only inside StaffSocketProvider. */
export function useStaffSocket(): ReconnectingSocket {
  const socket = useContext(StaffSocketContext);
  if (!socket) throw new Error("useStaffSocket needs a <StaffSocketProvider> above it (the console page mounts one).");
  return socket;
}

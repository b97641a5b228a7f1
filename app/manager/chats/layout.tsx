import { StaffSocketProvider } from "@/components/realtime/StaffSocketProvider";

/** The chat list and an open chat share one socket, kept while the manager moves between them. */
export default function ManagerChatsLayout({ children }: { children: React.ReactNode }) {
  return <StaffSocketProvider>{children}</StaffSocketProvider>;
}

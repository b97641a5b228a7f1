import { StaffSocketProvider } from "@/components/realtime/StaffSocketProvider";

/** The chat list and the chat view share one socket, kept while the admin moves between them. */
export default function AdminChatsLayout({ children }: { children: React.ReactNode }) {
  return <StaffSocketProvider>{children}</StaffSocketProvider>;
}

import { ChatsPage } from "@/components/back-office/chats/ChatsPage";
import { requireSection } from "@/lib/console/page";

export const dynamic = "force-dynamic";
export const metadata = { title: "Chats · OnlineChatCRM" };

export default async function ChatsSection() {
  await requireSection("admin", "chats");
  return <ChatsPage basePath="/admin/chats" />;
}

import { notFound } from "next/navigation";
import { ChatsPage } from "@/components/back-office/chats/ChatsPage";
import { requireSection } from "@/lib/console/page";
import { DbId } from "@/lib/validation";

export const dynamic = "force-dynamic";
export const metadata = { title: "Chat · OnlineChatCRM" };

/** A chat opened over the Chats table (a shared link, or a reload with the modal open). */
export default async function ChatSection({ params }: { params: Promise<{ id: string }> }) {
  const raw = (await params).id;
  const id = DbId.safeParse(raw);
  if (!id.success || String(id.data) !== raw) notFound();
  await requireSection("admin", "chats", `/admin/chats/${id.data}`);
  return <ChatsPage basePath="/admin/chats" />;
}

import Link from "next/link";
import { notFound } from "next/navigation";
import { requireConsole } from "@/lib/auth/page";
import { StaffChat } from "@/components/chat/StaffChat";

export const dynamic = "force-dynamic";

export default async function AdminChat({ params }: { params: Promise<{ id: string }> }) {
  await requireConsole("admin", "/admin/chats");
  const id = Number((await params).id);
  if (!Number.isInteger(id) || id <= 0) notFound();
  return (
    <div className="flex h-[calc(100dvh-7rem)] flex-col gap-2">
      <Link href="/admin/chats" className="text-sm text-blue-700 underline">
        ← All chats
      </Link>
      <StaffChat conversationId={id} canWrite canClose />
    </div>
  );
}

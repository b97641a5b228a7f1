import Link from "next/link";
import { requireConsole } from "@/lib/auth/page";
import { staffActor } from "@/lib/ctx";
import { getDb } from "@/db/client";
import { listAllConversations } from "@/lib/chat/list-conversations";
import { AdminChatList } from "@/components/admin/AdminChatList";

export const dynamic = "force-dynamic";

export default async function AdminChats({ searchParams }: { searchParams: Promise<{ after?: string; status?: string }> }) {
  const user = await requireConsole("admin", "/admin/chats");
  const sp = await searchParams;
  const ctx = { actor: staffActor(user), db: await getDb(), now: new Date() };
  const status = ["queued", "active", "offline", "closed"].includes(sp.status ?? "") ? sp.status : undefined;
  const page = await listAllConversations({ ctx, input: { after: sp.after, status } }).catch(() => ({ items: [], nextCursor: null }));
  return (
    <div className="space-y-3">
      <h2 className="text-base font-semibold">Chats</h2>
      <AdminChatList initial={page.items} />
      {page.nextCursor ? (
        <Link className="text-sm text-blue-700 underline" href={`/admin/chats?after=${page.nextCursor}${status ? `&status=${status}` : ""}`}>
          Older chats
        </Link>
      ) : null}
    </div>
  );
}

import { Suspense } from "react";
import { ChatsTable } from "./ChatsTable";

/**
 * The admin and manager consoles' Chats section (app/admin/chats,
 * app/manager/chats and their /[id] pages, which open a chat over it).
 */
export function ChatsPage({ basePath }: { basePath: string }) {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading chats…</p>}>
      <ChatsTable basePath={basePath} />
    </Suspense>
  );
}

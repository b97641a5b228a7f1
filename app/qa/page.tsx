import type { Metadata } from "next";
import { Suspense } from "react";
import { QaConsole } from "@/components/qa/QaConsole";
import { StaffSocketProvider } from "@/components/realtime/StaffSocketProvider";
import { requireSection } from "@/lib/console/page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "QA Console" };

export default async function QaHome() {
  await requireSection("qa", "live");
  return (
    // One socket for every chat's news (inbox:all) and the open chat.
    <StaffSocketProvider>
      <Suspense fallback={<p className="text-sm text-slate-500">Loading chats…</p>}>
        <QaConsole />
      </Suspense>
    </StaffSocketProvider>
  );
}

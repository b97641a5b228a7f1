import type { Metadata } from "next";
import Link from "next/link";
import { AgentConsole } from "@/components/agent/AgentConsole";
import { StaffSocketProvider } from "@/components/realtime/StaffSocketProvider";
import { requireConsole } from "@/lib/auth/page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Agent Console" };

export default async function AgentHome() {
  const user = await requireConsole("agent", "/agent");
  if (!user.liveChatEnabled) {
    return (
      <div className="max-w-prose space-y-2 text-sm text-slate-600">
        <p>Live Chat is turned off for your account, so you have no chat inbox.</p>
        {user.crmEnabled ? (
          <p>
            <Link className="text-blue-700 underline" href="/agent/crm">
              Go to your CRM leads
            </Link>
          </p>
        ) : (
          <p>Ask an admin or manager to turn on Live Chat for you.</p>
        )}
      </div>
    );
  }
  return (
    // One socket for the inbox and the open chat.
    <StaffSocketProvider>
      <AgentConsole me={{ id: user.id, displayName: user.displayName, onBreak: user.onBreak }} />
    </StaffSocketProvider>
  );
}

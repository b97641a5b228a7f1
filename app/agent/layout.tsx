import { requireConsole } from "@/lib/auth/page";
import { ConsoleShell } from "@/components/ConsoleShell";

export const dynamic = "force-dynamic";

export default async function AgentLayout({ children }: { children: React.ReactNode }) {
  const user = await requireConsole("agent", "/agent");
  return (
    <ConsoleShell role="agent" user={user}>
      {children}
    </ConsoleShell>
  );
}

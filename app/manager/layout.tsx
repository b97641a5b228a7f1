import { requireConsole } from "@/lib/auth/page";
import { ConsoleShell } from "@/components/ConsoleShell";

export const dynamic = "force-dynamic";

export default async function ManagerLayout({ children }: { children: React.ReactNode }) {
  const user = await requireConsole("manager", "/manager");
  return (
    <ConsoleShell role="manager" user={user}>
      {children}
    </ConsoleShell>
  );
}

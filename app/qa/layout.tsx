import { requireConsole } from "@/lib/auth/page";
import { ConsoleShell } from "@/components/ConsoleShell";

export const dynamic = "force-dynamic";

export default async function QaLayout({ children }: { children: React.ReactNode }) {
  const user = await requireConsole("qa", "/qa");
  return (
    <ConsoleShell role="qa" user={user}>
      {children}
    </ConsoleShell>
  );
}

import { requireConsole } from "@/lib/auth/page";
import { ConsoleShell } from "@/components/ConsoleShell";

export const dynamic = "force-dynamic";

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const user = await requireConsole("admin", "/admin");
  return (
    <ConsoleShell role="admin" user={user}>
      {children}
    </ConsoleShell>
  );
}

import { redirect } from "next/navigation";
import { ConsoleShell } from "@/components/ConsoleShell";
import { currentStaff } from "@/lib/auth/page";
import { can } from "@/lib/auth/permissions";
import { staffActor } from "@/lib/ctx";

export const dynamic = "force-dynamic";

/** The signed-in person's own pages, in their console's frame, whatever their role. */
export default async function AccountLayout({ children }: { children: React.ReactNode }) {
  const user = await currentStaff();
  if (!user || !can(staffActor(user), "profile.view")) redirect("/login");
  return (
    <ConsoleShell role={user.role} user={user}>
      {children}
    </ConsoleShell>
  );
}

import { redirect } from "next/navigation";
import { ACCOUNT_SECURITY_PATH, signInThenBackTo } from "@/components/account/paths";
import { ConsoleShell } from "@/components/ConsoleShell";
import { currentStaff } from "@/lib/auth/page";
import { can } from "@/lib/auth/permissions";
import { staffActor } from "@/lib/ctx";

export const dynamic = "force-dynamic";

/** The signed-in person's own pages, in their console's frame, whatever their role. */
export default async function AccountLayout({ children }: { children: React.ReactNode }) {
  const user = await currentStaff();
  // A layout doesn't know which page it wraps; security is the only one, so sign-in comes back there.
  if (!user || !can(staffActor(user), "profile.view")) redirect(signInThenBackTo(ACCOUNT_SECURITY_PATH));
  return (
    <ConsoleShell role={user.role} user={user}>
      {children}
    </ConsoleShell>
  );
}

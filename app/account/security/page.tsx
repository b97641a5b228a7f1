import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ACCOUNT_SECURITY_PATH, signInThenBackTo } from "@/components/account/paths";
import { SecurityPanels } from "@/components/account/SecurityPanels";
import { currentStaff } from "@/lib/auth/page";
import { can } from "@/lib/auth/permissions";
import { staffActor } from "@/lib/ctx";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Security · OnlineChatCRM" };

// /account/security – my two-factor sign-in, password and devices; the staff-wide policy for security.manage holders
export default async function AccountSecurityPage() {
  const user = await currentStaff();
  if (!user || !can(staffActor(user), "profile.view")) redirect(signInThenBackTo(ACCOUNT_SECURITY_PATH));
  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <div>
        <h2 className="text-lg font-semibold">Security</h2>
        <p className="text-sm text-slate-600">Your sign-in and your devices, {user.displayName}.</p>
      </div>
      <SecurityPanels showPolicy={can(staffActor(user), "security.manage")} />
    </div>
  );
}

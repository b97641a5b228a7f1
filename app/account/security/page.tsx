import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { DevicesPanel } from "@/components/account/DevicesPanel";
import { SecurityPolicyPanel } from "@/components/account/SecurityPolicyPanel";
import { TwoFactorPanel } from "@/components/account/TwoFactorPanel";
import { currentStaff } from "@/lib/auth/page";
import { can } from "@/lib/auth/permissions";
import { staffActor } from "@/lib/ctx";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Security · OnlineChatCRM" };

// /account/security – my devices and two-factor sign-in; the staff-wide policy for security.manage holders
export default async function AccountSecurityPage() {
  const user = await currentStaff();
  if (!user || !can(staffActor(user), "profile.view")) redirect("/login?next=/account/security");
  const actor = staffActor(user);
  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <div>
        <h2 className="text-lg font-semibold">Security</h2>
        <p className="text-sm text-slate-600">Your sign-in and your devices, {user.displayName}.</p>
      </div>
      <TwoFactorPanel />
      <DevicesPanel />
      {can(actor, "security.manage") ? <SecurityPolicyPanel /> : null}
    </div>
  );
}

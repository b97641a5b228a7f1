"use client";

import { useState } from "react";
import { ChangePasswordForm } from "@/components/back-office/ChangePasswordForm";
import { DevicesPanel } from "./DevicesPanel";
import { SecurityPolicyPanel } from "./SecurityPolicyPanel";
import { TwoFactorPanel } from "./TwoFactorPanel";
import { Section } from "./ui";

/**
 * /account/security's cards: two-factor, password, devices, and the
 * staff-wide policy for those who manage it. A password change signs the
 * other devices out, so the device list reloads after one.
 */
export function SecurityPanels({ showPolicy }: { showPolicy: boolean }) {
  const [passwordChanges, setPasswordChanges] = useState(0);
  // A flex gap, not space-y: the devices' closed dialog sits between the cards and must take no room.
  return (
    <div className="flex flex-col gap-4">
      <TwoFactorPanel />
      <Section title="Password" description="Changing it signs you out on every other device; this one stays signed in.">
        <ChangePasswordForm title={null} onChanged={() => setPasswordChanges((n) => n + 1)} />
      </Section>
      <DevicesPanel refresh={passwordChanges} />
      {showPolicy ? <SecurityPolicyPanel /> : null}
    </div>
  );
}

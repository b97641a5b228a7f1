"use client";

import { useEffect, useState } from "react";
import { FormAlert, TextField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import type { StaffRole } from "@/db/schema";
import { ApiError, call, errorText, type SecurityPolicy } from "./api";
import { LoadFailed, Section } from "./ui";

const ROLES: { role: StaffRole; label: string }[] = [
  { role: "admin", label: "Admins" },
  { role: "manager", label: "Managers" },
  { role: "agent", label: "Agents" },
  { role: "qa", label: "Quality analysts" },
];

/**
 * The staff-wide rules (`security.manage`): how long a device stays signed in
 * (idle and absolute), and which roles must use two-factor sign-in. Reused by
 * the back office's Security page.
 */
export function SecurityPolicyPanel() {
  const toast = useToast();
  const [policy, setPolicy] = useState<SecurityPolicy | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [idleMinutes, setIdleMinutes] = useState("");
  const [absoluteHours, setAbsoluteHours] = useState("");
  const [required, setRequired] = useState<StaffRole[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  function show(p: SecurityPolicy) {
    setPolicy(p);
    setIdleMinutes(String(p.sessions.idleMinutes));
    setAbsoluteHours(String(p.sessions.absoluteHours));
    setRequired(p.twoFactor.requiredRoles);
  }

  async function load() {
    try {
      show(await call<SecurityPolicy>("/api/auth/security-policy", { signedIn: true }));
      setLoadError(null);
    } catch (e) {
      setLoadError(errorText(e));
    }
  }
  useEffect(() => void load(), []);

  async function save() {
    setBusy(true);
    setError(null);
    setFields({});
    try {
      show(
        await call<SecurityPolicy>("/api/auth/security-policy", {
          method: "PATCH",
          json: {
            sessions: { idleMinutes: Number(idleMinutes), absoluteHours: Number(absoluteHours) },
            twoFactor: { requiredRoles: required },
          },
          signedIn: true,
        }),
      );
      toast("Saved. New limits apply from each device's next request.");
    } catch (e) {
      setError(errorText(e));
      if (e instanceof ApiError) setFields(e.fields);
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (name: string) => fields[`sessions.${name}`];
  return (
    <Section title="Staff security policy" description="Applies to every staff member. Only admins see this.">
      {loadError ? (
        <LoadFailed what="the policy" error={loadError} onRetry={() => void load()} />
      ) : !policy ? (
        <p role="status" className="text-sm text-slate-500">
          Loading…
        </p>
      ) : (
        <form
          className="space-y-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-2 text-sm font-medium">Sessions</legend>
            <TextField
              label="Sign out after inactivity (minutes)"
              type="number"
              min={5}
              max={43200}
              step={1}
              value={idleMinutes}
              onChange={(e) => setIdleMinutes(e.target.value)}
              error={fieldError("idleMinutes")}
              hint="5 minutes to 30 days. Default 720 (12 hours)."
            />
            <TextField
              label="Longest session (hours)"
              type="number"
              min={1}
              max={720}
              step={1}
              value={absoluteHours}
              onChange={(e) => setAbsoluteHours(e.target.value)}
              error={fieldError("absoluteHours")}
              hint="1 to 720 (30 days); then sign in again however active. Default 168 (7 days)."
            />
          </fieldset>
          <fieldset>
            <legend className="mb-2 text-sm font-medium">Require two-factor sign-in for</legend>
            <div className="flex flex-wrap gap-x-5 gap-y-2">
              {ROLES.map(({ role, label }) => (
                <label key={role} className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    checked={required.includes(role)}
                    onChange={(e) => setRequired(e.target.checked ? [...required, role] : required.filter((r) => r !== role))}
                    className="h-4 w-4 accent-blue-600"
                  />
                  {label}
                </label>
              ))}
            </div>
            <p className="mt-1 text-xs text-slate-500">People in these roles without it set it up at their next sign-in.</p>
          </fieldset>
          <FormAlert>{error}</FormAlert>
          <button type="submit" className={ui.button.primary} disabled={busy}>
            {busy ? "Saving…" : "Save policy"}
          </button>
        </form>
      )}
    </Section>
  );
}

"use client";

import { useState } from "react";
import { ApiError, errorText } from "@/components/ui/api";
import { FormAlert, TextField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { staffApi } from "./api";

/**
 * "Change password" for the signed-in staff member (their account page):
 * the current password, the new one twice. On success every other session
 * of theirs has ended; this device stays signed in (the server re-issued its
 * cookie). Inside a titled card, pass `title={null}` (the form is then
 * named "Change password" for assistive tech). `onChanged` runs after a
 * change (the account page reloads its list of devices).
 */
export function ChangePasswordForm({ title = "Change password", onChanged }: { title?: string | null; onChanged?: () => void } = {}) {
  const toast = useToast();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setFields({});
    setError(null);
    if (next !== repeat) {
      setFields({ repeat: "The two new passwords don't match." });
      return;
    }
    setBusy(true);
    try {
      await staffApi.changeOwnPassword(current, next);
      setCurrent("");
      setNext("");
      setRepeat("");
      toast("Your password was changed. Your other sessions were signed out.");
      onChanged?.();
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length) setFields(err.fields);
      else if (err instanceof ApiError && err.status === 403) setError("Too many attempts from your network. Try again later.");
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby={title ? "change-password-title" : undefined} aria-label={title ? undefined : "Change password"} className="max-w-md space-y-4">
      {title ? (
        <h2 id="change-password-title" className="text-base font-semibold">
          {title}
        </h2>
      ) : null}
      <FormAlert>{error}</FormAlert>
      <TextField label="Current password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} error={fields.currentPassword} required />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        value={next}
        onChange={(e) => setNext(e.target.value)}
        error={fields.newPassword}
        hint="At least 10 characters; a phrase of unrelated words works well."
        required
      />
      <TextField label="Repeat new password" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} error={fields.repeat} required />
      <button type="submit" className={ui.button.primary} disabled={busy || !current || !next}>
        {busy ? "Changing…" : "Change password"}
      </button>
    </form>
  );
}

"use client";

import { useState } from "react";
import type { StaffRowDTO } from "@/lib/staff/list-staff";
import { ApiError, errorText } from "@/components/ui/api";
import { Dialog } from "@/components/ui/Dialog";
import { FormAlert, TextField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { staffApi } from "./api";

/** Set a new password for someone: it signs them out everywhere, so it is confirmed here. */
export function ResetPasswordDialog({ row, open, onClose, onDone }: { row: StaffRowDTO; open: boolean; onClose: () => void; onDone: (message: string) => void }) {
  const [password, setPassword] = useState("");
  const [field, setField] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formId = `reset-${row.id}`;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setField(undefined);
    setError(null);
    try {
      await staffApi.resetPassword(row.id, password);
      onDone(`${row.displayName}'s password was reset and they were signed out.`);
    } catch (err) {
      if (err instanceof ApiError && err.fields.password) setField(err.fields.password);
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Reset ${row.displayName}'s password`}
      description="They are signed out on every device at once, and their open chats go back to the queue."
      footer={
        <>
          <button type="button" className={ui.button.secondary} onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form={formId} className={ui.button.danger} disabled={busy || !password}>
            {busy ? "Resetting…" : "Reset password"}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate className="space-y-3">
        <FormAlert>{error}</FormAlert>
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={field}
          hint="At least 10 characters. Tell them in person or over a channel you trust."
          required
        />
      </form>
    </Dialog>
  );
}

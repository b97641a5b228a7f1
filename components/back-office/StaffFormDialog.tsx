"use client";

import { useState } from "react";
import type { StaffRole } from "@/db/schema";
import type { StaffKind, StaffRowDTO } from "@/lib/staff/list-staff";
import { ApiError, errorText } from "@/components/ui/api";
import { Dialog } from "@/components/ui/Dialog";
import { FormAlert, SelectField, SwitchField, TextField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { staffApi, type CreateStaffBody, type UpdateStaffBody } from "./api";
import { ROLE_LABEL } from "./labels";

type Form = {
  displayName: string;
  email: string;
  username: string;
  password: string;
  role: StaffRole;
  activeChatLimit: string;
  offlineChatLimit: string;
  liveChatEnabled: boolean;
  crmEnabled: boolean;
};

/** The schema's defaults for a new agent (db/schema/users.ts). */
const NEW_AGENT = { activeChatLimit: "3", offlineChatLimit: "5", liveChatEnabled: true, crmEnabled: false };

function initial(kind: StaffKind, roles: StaffRole[], agentRoles: StaffRole[], row: StaffRowDTO | null): Form {
  if (row) {
    return {
      displayName: row.displayName,
      email: row.email,
      username: row.username ?? "",
      password: "",
      role: row.role,
      activeChatLimit: String(row.activeChatLimit),
      offlineChatLimit: String(row.offlineChatLimit),
      liveChatEnabled: row.liveChatEnabled,
      crmEnabled: row.crmEnabled,
    };
  }
  const role: StaffRole = roles.find((r) => agentRoles.includes(r) === (kind === "agents")) ?? roles[0];
  return { displayName: "", email: "", username: "", password: "", role, ...NEW_AGENT };
}

/** A limit field's text as the number the server checks ("" or "2.5" stay as they are, so the server's message says what is wrong). */
const num = (s: string): number | string => (/^-?\d+$/.test(s.trim()) ? Number(s.trim()) : s);

/**
 * Add or edit a staff member. Field errors come from the server's
 * validation (zod issues, duplicates) and appear under their field; a save
 * from a stale copy says so and offers to reload.
 */
export function StaffFormDialog({
  kind,
  row,
  roles,
  agentRoles,
  open,
  onClose,
  onSaved,
  onStale,
}: {
  kind: StaffKind;
  /** null: add someone new. */
  row: StaffRowDTO | null;
  /** Roles the viewer may give (from the list's answer). */
  roles: StaffRole[];
  /** The roles routing hands chats to (from the server's policy): they get the chat limits and toggles. */
  agentRoles: StaffRole[];
  open: boolean;
  onClose: () => void;
  onSaved: (message: string) => void;
  onStale: () => void;
}) {
  const [form, setForm] = useState<Form>(() => initial(kind, roles, agentRoles, row));
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));

  const isAgent = agentRoles.includes(form.role);
  const editing = row !== null;
  const noun = kind === "agents" ? "agent" : "staff member";
  const roleChoices = roles.filter((r) => agentRoles.includes(r) === (kind === "agents"));
  const canChooseRole = kind === "staff" && (!editing || row.rights.changeRole) && roleChoices.length > 0;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFields({});
    setError(null);
    setStale(false);
    const agentFields = isAgent
      ? { activeChatLimit: num(form.activeChatLimit), offlineChatLimit: num(form.offlineChatLimit), liveChatEnabled: form.liveChatEnabled, crmEnabled: form.crmEnabled }
      : {};
    try {
      if (!editing) {
        const body = { role: form.role, displayName: form.displayName, email: form.email, username: form.username, password: form.password, ...agentFields };
        await staffApi.create(body as CreateStaffBody);
        onSaved(`${form.displayName.trim()} was added.`);
      } else {
        const body: Record<string, unknown> = { displayName: form.displayName, email: form.email, version: row.version, ...agentFields };
        // An account made without a username (the seed's, say) keeps none unless one is typed.
        if (form.username.trim() || row.username) body.username = form.username;
        if (canChooseRole && form.role !== row.role) body.role = form.role;
        await staffApi.update(row.id, body as UpdateStaffBody);
        onSaved(`Changes to ${form.displayName.trim()} were saved.`);
      }
    } catch (err) {
      if (err instanceof ApiError) {
        // A stale copy: the version the form was opened with is no longer the row's.
        const { version, ...rest } = err.fields;
        setFields(rest);
        setStale(Boolean(version));
        setError(version ?? (Object.keys(rest).length ? "Check the highlighted fields." : err.message));
      } else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const formId = `staff-form-${row?.id ?? "new"}`;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      wide
      title={editing ? `Edit ${row.displayName}` : `Add ${noun}`}
      description={editing ? undefined : kind === "agents" ? "They sign in with this email or username and password." : "Admins, managers and QA analysts."}
      footer={
        <>
          <button type="button" className={ui.button.secondary} onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form={formId} className={ui.button.primary} disabled={busy}>
            {busy ? "Saving…" : editing ? "Save changes" : `Add ${noun}`}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate className="space-y-4">
        {error ? (
          <FormAlert>
            {error}
            {stale ? (
              <>
                {" "}
                <button type="button" className="font-medium underline" onClick={onStale}>
                  Reload
                </button>
              </>
            ) : null}
          </FormAlert>
        ) : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField label="Name" value={form.displayName} onChange={(e) => set("displayName", e.target.value)} error={fields.displayName} autoComplete="off" required className="sm:col-span-2" />
          <TextField label="Email" type="email" value={form.email} onChange={(e) => set("email", e.target.value)} error={fields.email} autoComplete="off" required />
          <TextField label="Username" value={form.username} onChange={(e) => set("username", e.target.value)} error={fields.username} autoComplete="off" required />
          {!editing ? (
            <TextField
              label="Password"
              type="password"
              value={form.password}
              onChange={(e) => set("password", e.target.value)}
              error={fields.password}
              autoComplete="new-password"
              hint="At least 10 characters; a phrase of unrelated words works well."
              required
              className="sm:col-span-2"
            />
          ) : null}
          {canChooseRole ? (
            <SelectField label="Role" value={form.role} onChange={(e) => set("role", e.target.value as StaffRole)} error={fields.role} className="sm:col-span-2">
              {(roleChoices.includes(form.role) ? roleChoices : [form.role, ...roleChoices]).map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABEL[r]}
                </option>
              ))}
            </SelectField>
          ) : null}
          {isAgent ? (
            <>
              <TextField
                label="Active-chat limit"
                type="number"
                inputMode="numeric"
                min={0}
                max={100}
                value={form.activeChatLimit}
                onChange={(e) => set("activeChatLimit", e.target.value)}
                error={fields.activeChatLimit}
                hint="Chats with a visitor online at once."
              />
              <TextField
                label="Offline-chat limit"
                type="number"
                inputMode="numeric"
                min={0}
                max={100}
                value={form.offlineChatLimit}
                onChange={(e) => set("offlineChatLimit", e.target.value)}
                error={fields.offlineChatLimit}
                hint="Parked chats whose visitor left."
              />
              <SwitchField label="Live Chat" checked={form.liveChatEnabled} onChange={(v) => set("liveChatEnabled", v)} hint="Receives and answers chats." />
              <SwitchField label="CRM" checked={form.crmEnabled} onChange={(v) => set("crmEnabled", v)} hint="Sees and works leads." />
            </>
          ) : null}
        </div>
      </form>
    </Dialog>
  );
}

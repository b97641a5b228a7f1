"use client";

import { useId, useRef, useState } from "react";
import { apiRequest, ApiError, errorText } from "@/components/ui/api";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import type { ServiceAccountDTO } from "@/lib/crm/sheets/service-account";

/** A key file is ~2.3 KB. */
const MAX_FILE_BYTES = 20_000;

/**
 * The service account the sheets are read with. The key goes in once (pasted
 * or from its .json file) and never comes back: afterwards the card shows
 * only the email to share each sheet with.
 */
export function ServiceAccountCard({ account, onChange }: { account: ServiceAccountDTO; onChange: (a: ServiceAccountDTO) => void }) {
  const toast = useToast();
  const id = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [editing, setEditing] = useState(false);
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const showForm = !account.configured || editing;

  async function readFile(file: File | undefined) {
    setError(null);
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) return setError("This file is far larger than a key file.");
    setKey(await file.text());
  }

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const next = await apiRequest<ServiceAccountDTO>("/api/crm/sheets/service-account", { method: "PUT", json: { key } });
      onChange(next);
      setKey("");
      setEditing(false);
      if (fileInput.current) fileInput.current.value = "";
      toast("Service-account key saved.");
    } catch (err) {
      setError(err instanceof ApiError && err.fields.key ? err.fields.key : errorText(err));
    } finally {
      setSaving(false);
    }
  }

  async function copy(email: string) {
    try {
      await navigator.clipboard.writeText(email);
      toast("Email copied.");
    } catch {
      toast("Couldn't copy: select the email and copy it.", "error");
    }
  }

  return (
    <section aria-labelledby={`${id}-title`} className={`${ui.card} space-y-3 p-4`}>
      <div>
        <h2 id={`${id}-title`} className="font-medium">
          Service account
        </h2>
        <p className="text-sm text-slate-600">Sheets are read with a Google Cloud service account&apos;s key (Sheets API enabled, read-only access).</p>
      </div>

      {account.configured ? (
        <div className="space-y-2">
          <p className="text-sm">
            Share your sheet with <strong className="font-medium break-all">{account.clientEmail}</strong> (Viewer is enough).
          </p>
          <div className="flex flex-wrap gap-2">
            <button type="button" className={ui.button.secondary} onClick={() => copy(account.clientEmail)}>
              Copy email
            </button>
            {account.fromEnv ? (
              <p className="self-center text-sm text-slate-600">Configured on the server (GOOGLE_SERVICE_ACCOUNT_JSON): change it there.</p>
            ) : !editing ? (
              <>
                <button type="button" className={ui.button.secondary} onClick={() => setEditing(true)}>
                  Replace key
                </button>
                <button type="button" className={ui.button.ghost} onClick={() => setConfirmRemove(true)}>
                  Remove key
                </button>
              </>
            ) : null}
          </div>
        </div>
      ) : null}

      {showForm && !account.fromEnv ? (
        <form onSubmit={save} className="space-y-3">
          <div>
            <label htmlFor={`${id}-key`} className="mb-1 block text-sm font-medium">
              Service-account key (JSON)
            </label>
            <textarea
              id={`${id}-key`}
              value={key}
              onChange={(e) => {
                setKey(e.target.value);
                setError(null);
              }}
              rows={5}
              spellCheck={false}
              autoComplete="off"
              placeholder='{ "type": "service_account", "client_email": "…", "private_key": "…", … }'
              className={`${ui.input} font-mono text-xs`}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : `${id}-hint`}
            />
            {error ? (
              <p id={`${id}-error`} role="alert" className="mt-1 text-sm text-red-700">
                {error}
              </p>
            ) : (
              <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
                Paste the key file&apos;s text, or choose the file. It is stored encrypted and never shown again.
              </p>
            )}
          </div>
          <div>
            <label htmlFor={`${id}-file`} className="mb-1 block text-sm font-medium">
              Or choose the .json file
            </label>
            <input
              ref={fileInput}
              id={`${id}-file`}
              type="file"
              accept=".json,application/json"
              className="block w-full text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm"
              onChange={(e) => void readFile(e.target.files?.[0])}
            />
          </div>
          <div className="flex flex-wrap gap-2">
            <button type="submit" className={ui.button.primary} disabled={saving || key.trim() === ""}>
              {saving ? "Saving…" : "Save key"}
            </button>
            {editing ? (
              <button
                type="button"
                className={ui.button.secondary}
                onClick={() => {
                  setEditing(false);
                  setKey("");
                  setError(null);
                }}
              >
                Cancel
              </button>
            ) : null}
          </div>
        </form>
      ) : null}

      <ConfirmDialog
        open={confirmRemove}
        onClose={() => setConfirmRemove(false)}
        title="Remove the service-account key?"
        message="Every source stops reading its sheet until a new key is saved. Leads already imported stay."
        confirmLabel="Remove key"
        onConfirm={async () => {
          onChange(await apiRequest<ServiceAccountDTO>("/api/crm/sheets/service-account", { method: "DELETE" }));
          toast("Service-account key removed.");
        }}
      />
    </section>
  );
}

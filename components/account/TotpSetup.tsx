"use client";

import { useId, useState } from "react";
import { FormAlert } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import type { Enrolment } from "./api";

/**
 * Adding the account to an authenticator app: the QR code, the same key as
 * text for typing in, and the first code to confirm. Used at sign-in (a role
 * that requires two-factor) and on the account page.
 */
export function TotpSetup({
  enrolment,
  submitLabel,
  busy,
  error,
  onSubmit,
  onCancel,
}: {
  enrolment: Enrolment;
  submitLabel: string;
  busy: boolean;
  error: string | null;
  onSubmit: (code: string) => void;
  onCancel?: () => void;
}) {
  const id = useId();
  const [code, setCode] = useState("");
  const [copied, setCopied] = useState(false);
  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (code.trim()) onSubmit(code.trim());
      }}
    >
      <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-700">
        <li>Open an authenticator app on your phone (Google Authenticator, Microsoft Authenticator, 1Password, …).</li>
        <li>Scan this QR code, or enter the setup key by hand.</li>
        <li>Type the 6-digit code the app shows.</li>
      </ol>
      <div className="@container">
        <div className="flex flex-col items-start gap-4 @md:flex-row @md:items-center">
          {/* A data URL made on the server: the key never goes to a third-party QR service. */}
          <img
            src={enrolment.qrDataUrl}
            width={180}
            height={180}
            alt="QR code to add this account to your authenticator app"
            className="rounded-md border border-slate-200 bg-white"
          />
          <div className="w-full min-w-0 space-y-1">
            <label htmlFor={`${id}-key`} className="block text-sm font-medium">
              Setup key
            </label>
            <div className="flex gap-2">
              <input
                id={`${id}-key`}
                readOnly
                value={enrolment.secret}
                className={`${ui.input} font-mono`}
                onFocus={(e) => e.currentTarget.select()}
              />
              <button
                type="button"
                className={`${ui.button.secondary} shrink-0`}
                onClick={() => {
                  void navigator.clipboard?.writeText(enrolment.secret).then(() => setCopied(true), () => setCopied(false));
                }}
              >
                {copied ? "Copied" : "Copy"}
              </button>
            </div>
            <p className="text-xs text-slate-500">Time-based (TOTP), 6 digits, 30 seconds.</p>
          </div>
        </div>
      </div>
      <div>
        <label htmlFor={`${id}-code`} className="mb-1 block text-sm font-medium">
          Code from the app
        </label>
        <input
          id={`${id}-code`}
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={9}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          className={`${ui.input} max-w-[12rem] font-mono tracking-widest`}
        />
      </div>
      <FormAlert>{error}</FormAlert>
      <div className="flex flex-wrap gap-2">
        <button type="submit" disabled={busy || !code.trim()} className={ui.button.primary}>
          {busy ? "Checking…" : submitLabel}
        </button>
        {onCancel ? (
          <button type="button" className={ui.button.secondary} onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

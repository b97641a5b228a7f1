"use client";

import { useCallback, useEffect, useId, useState } from "react";
import { FormAlert, TextField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { call, errorText, formatWhen, type Enrolment, type TwoFactorStatus } from "./api";
import { RecoveryCodes } from "./RecoveryCodes";
import { TotpSetup } from "./TotpSetup";
import { LoadFailed, Section } from "./ui";

type Mode =
  | { kind: "idle" }
  | { kind: "enrolling"; enrolment: Enrolment }
  | { kind: "codes"; codes: string[] }
  | { kind: "proof"; action: "disable" | "regenerate" };

/**
 * Two-factor sign-in for my account: set it up (QR code, first code,
 * recovery codes shown once), new recovery codes, turn it off. The last two
 * ask for a current code or the password again.
 */
export function TwoFactorPanel() {
  const toast = useToast();
  const [status, setStatus] = useState<TwoFactorStatus | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>({ kind: "idle" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setStatus(await call<TwoFactorStatus>("/api/auth/two-factor", { signedIn: true }));
      setLoadError(null);
    } catch (e) {
      setLoadError(errorText(e));
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const begin = () =>
    run(async () => {
      setMode({ kind: "enrolling", enrolment: await call<Enrolment>("/api/auth/two-factor/enrolment", { method: "POST", signedIn: true }) });
    });

  const confirm = (enrolment: Enrolment, code: string) =>
    run(async () => {
      const { recoveryCodes } = await call<{ recoveryCodes: string[] }>("/api/auth/two-factor/enrolment", {
        method: "PUT",
        json: { token: enrolment.token, code },
        signedIn: true,
      });
      setMode({ kind: "codes", codes: recoveryCodes });
      await reload();
    });

  const prove = (action: "disable" | "regenerate", proof: { code: string } | { password: string }) =>
    run(async () => {
      if (action === "disable") {
        await call("/api/auth/two-factor/disable", { json: proof, signedIn: true });
        setMode({ kind: "idle" });
        toast("Two-factor sign-in is off.");
      } else {
        const { recoveryCodes } = await call<{ recoveryCodes: string[] }>("/api/auth/two-factor/recovery-codes", { json: proof, signedIn: true });
        setMode({ kind: "codes", codes: recoveryCodes });
      }
      await reload();
    });

  const cancel = () => {
    setError(null);
    setMode({ kind: "idle" });
  };

  return (
    <Section
      title="Two-factor sign-in"
      description="Besides your password, sign-in asks for a code from an authenticator app on your phone, so a stolen password alone isn't enough."
    >
      {loadError ? (
        <LoadFailed what="your two-factor settings" error={loadError} onRetry={() => void reload()} />
      ) : !status ? (
        <p role="status" className="text-sm text-slate-500">
          Loading…
        </p>
      ) : mode.kind === "enrolling" ? (
        <TotpSetup enrolment={mode.enrolment} submitLabel="Turn on" busy={busy} error={error} onSubmit={(code) => void confirm(mode.enrolment, code)} onCancel={cancel} />
      ) : mode.kind === "codes" ? (
        <RecoveryCodes codes={mode.codes} doneLabel="I've saved them" onDone={cancel} />
      ) : mode.kind === "proof" ? (
        <ProofForm
          action={mode.action}
          busy={busy}
          error={error}
          onSubmit={(proof) => void prove(mode.action, proof)}
          onCancel={cancel}
        />
      ) : status.enabled ? (
        <div className="space-y-3">
          <p className="flex flex-wrap items-center gap-2 text-sm">
            <span className="rounded-full bg-green-50 px-2 py-0.5 text-xs font-medium text-green-800">On</span>
            <span>
              Since {status.enabledAt ? formatWhen(status.enabledAt) : "—"}. {status.recoveryCodesLeft} of 10 recovery codes left.
            </span>
          </p>
          {status.recoveryCodesLeft <= 3 ? <p className="text-sm text-amber-800">You are running out of recovery codes: make new ones.</p> : null}
          <div className="flex flex-wrap gap-2">
            <button type="button" className={ui.button.secondary} onClick={() => setMode({ kind: "proof", action: "regenerate" })}>
              New recovery codes
            </button>
            {status.required ? null : (
              <button type="button" className={ui.button.secondary} onClick={() => setMode({ kind: "proof", action: "disable" })}>
                Turn off two-factor sign-in
              </button>
            )}
          </div>
          {status.required ? <p className="text-xs text-slate-500">Your role requires two-factor sign-in, so it can&apos;t be turned off.</p> : null}
        </div>
      ) : (
        <div className="space-y-3">
          <p className="flex flex-wrap items-center gap-2 text-sm">
            <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">Off</span>
            {status.required ? <span className="text-amber-800">Your role requires it: you will be asked to set it up at your next sign-in.</span> : null}
          </p>
          <FormAlert>{error}</FormAlert>
          <button type="button" className={ui.button.primary} disabled={busy} onClick={() => void begin()}>
            {busy ? "Starting…" : "Set up two-factor sign-in"}
          </button>
        </div>
      )}
    </Section>
  );
}

/** "Is it really you?": a current code (or a recovery code), or the password. */
function ProofForm({
  action,
  busy,
  error,
  onSubmit,
  onCancel,
}: {
  action: "disable" | "regenerate";
  busy: boolean;
  error: string | null;
  onSubmit: (proof: { code: string } | { password: string }) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [by, setBy] = useState<"code" | "password">("code");
  const [value, setValue] = useState("");
  return (
    <form
      className="space-y-3"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!value) return;
        onSubmit(by === "code" ? { code: value.trim() } : { password: value });
      }}
    >
      <p className="text-sm text-slate-700">
        {action === "disable"
          ? "To turn off two-factor sign-in, confirm it's you."
          : "New recovery codes replace the old ones, which stop working. Confirm it's you."}
      </p>
      <fieldset className="flex gap-4 text-sm">
        <legend className="sr-only">Confirm with</legend>
        {(["code", "password"] as const).map((k) => (
          <label key={k} className="flex items-center gap-1.5">
            <input
              type="radio"
              name={`${id}-by`}
              checked={by === k}
              onChange={() => {
                setBy(k);
                setValue("");
              }}
              className="accent-blue-600"
            />
            {k === "code" ? "Code from the app" : "Password"}
          </label>
        ))}
      </fieldset>
      <TextField
        key={by}
        label={by === "code" ? "Authentication code" : "Your password"}
        type={by === "password" ? "password" : "text"}
        inputMode={by === "code" ? "numeric" : undefined}
        autoComplete={by === "code" ? "one-time-code" : "current-password"}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        className="max-w-xs"
      />
      <FormAlert>{error}</FormAlert>
      <div className="flex flex-wrap gap-2">
        <button type="submit" disabled={busy || !value} className={action === "disable" ? ui.button.danger : ui.button.primary}>
          {busy ? "Checking…" : action === "disable" ? "Turn off" : "Make new codes"}
        </button>
        <button type="button" className={ui.button.secondary} onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

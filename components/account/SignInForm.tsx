"use client";

import { useEffect, useState } from "react";
import { FormAlert, TextField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { ApiError, call, errorText, type Enrolment, type SignInAnswer } from "./api";
import { RecoveryCodes } from "./RecoveryCodes";
import { TotpSetup } from "./TotpSetup";

type Step =
  | { kind: "password" }
  | { kind: "code"; token: string }
  | { kind: "enroll"; enrolment: Enrolment }
  | { kind: "codes"; codes: string[]; redirectTo: string };

/**
 * Staff sign-in: password, then (when the account uses it) a code from the
 * authenticator app or a recovery code; when the role requires two-factor
 * and the account has none, setting it up is the second step.
 */
export function SignInForm({ next }: { next?: string }) {
  const [step, setStep] = useState<Step>({ kind: "password" });
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Until React has hydrated, a click would submit the form natively (a GET
  // with the password in the URL): keep the button disabled until then.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function run(url: string, json: unknown) {
    setError(null);
    setPending(true);
    try {
      const answer = await call<SignInAnswer>(url, { json });
      if (answer.status === "signed_in") {
        if (answer.recoveryCodes) return setStep({ kind: "codes", codes: answer.recoveryCodes, redirectTo: answer.redirectTo });
        window.location.assign(answer.redirectTo);
        return; // stay "pending" while the console loads
      }
      if (answer.status === "second_factor") setStep({ kind: "code", token: answer.token });
      else setStep({ kind: "enroll", enrolment: answer.enrolment });
    } catch (e) {
      // The second step's token ran out: start again from the password.
      if (e instanceof ApiError && e.status === 401 && e.message.startsWith("This sign-in has expired")) setStep({ kind: "password" });
      setError(errorText(e));
    }
    setPending(false);
  }

  const restart = () => {
    setError(null);
    setStep({ kind: "password" });
  };

  if (step.kind === "codes") {
    return <RecoveryCodes codes={step.codes} doneLabel="Continue to the console" onDone={() => window.location.assign(step.redirectTo)} />;
  }

  if (step.kind === "enroll") {
    return (
      <div className="space-y-4">
        <div className="space-y-1">
          <h2 className="font-semibold">Set up two-factor sign-in</h2>
          <p className="text-sm text-slate-600">Your role requires a code from an authenticator app at every sign-in. Set it up now to continue.</p>
        </div>
        <TotpSetup
          enrolment={step.enrolment}
          submitLabel="Turn on and sign in"
          busy={pending}
          error={error}
          onSubmit={(code) => void run("/api/auth/login/enroll", { token: step.enrolment.token, code })}
          onCancel={restart}
        />
      </div>
    );
  }

  if (step.kind === "code") return <CodeStep busy={pending} error={error} onSubmit={(code) => void run("/api/auth/login/second-factor", { token: step.token, code })} onRestart={restart} />;

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        void run("/api/auth/login", { login: form.get("login"), password: form.get("password"), next });
      }}
      method="post"
      className="space-y-4"
      noValidate
    >
      <TextField label="Email or username" name="login" autoComplete="username" required />
      <TextField label="Password" name="password" type="password" autoComplete="current-password" required />
      <FormAlert>{error}</FormAlert>
      <button type="submit" disabled={pending || !hydrated} className={`${ui.button.primary} w-full py-2`}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

/** Step two: the app's code, or (phone lost) a recovery code. */
function CodeStep({ busy, error, onSubmit, onRestart }: { busy: boolean; error: string | null; onSubmit: (code: string) => void; onRestart: () => void }) {
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState("");
  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (code.trim()) onSubmit(code.trim());
      }}
    >
      <div className="space-y-1">
        <h2 className="font-semibold">Two-factor sign-in</h2>
        <p className="text-sm text-slate-600">
          {recovery ? "Enter one of your recovery codes. Each works once." : "Enter the 6-digit code from your authenticator app."}
        </p>
      </div>
      <div>
        <label htmlFor="second-factor" className="mb-1 block text-sm font-medium">
          {recovery ? "Recovery code" : "Authentication code"}
        </label>
        <input
          id="second-factor"
          key={recovery ? "recovery" : "totp"}
          name="code"
          autoFocus
          inputMode={recovery ? "text" : "numeric"}
          autoComplete="one-time-code"
          autoCapitalize="off"
          spellCheck={false}
          maxLength={recovery ? 20 : 9}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          className={`${ui.input} font-mono tracking-widest`}
        />
      </div>
      <FormAlert>{error}</FormAlert>
      <button type="submit" disabled={busy || !code.trim()} className={`${ui.button.primary} w-full py-2`}>
        {busy ? "Checking…" : "Verify"}
      </button>
      <div className="flex justify-between gap-2 text-sm">
        <button
          type="button"
          className="text-blue-700 underline"
          onClick={() => {
            setRecovery(!recovery);
            setCode("");
          }}
        >
          {recovery ? "Use a code from the app" : "Use a recovery code"}
        </button>
        <button type="button" className="text-slate-600 underline" onClick={onRestart}>
          Start over
        </button>
      </div>
    </form>
  );
}

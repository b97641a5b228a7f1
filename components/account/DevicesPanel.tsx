"use client";

import { useCallback, useEffect, useState } from "react";
import { call, errorText, formatWhen, type DeviceSession } from "./api";
import { Alert, BUTTON, ConfirmDialog, Notice, Section } from "./ui";

type Load = { status: "loading" } | { status: "error"; error: string } | { status: "ready"; sessions: DeviceSession[] };
type Confirm = { kind: "one"; session: DeviceSession } | { kind: "others"; count: number } | null;

/**
 * The devices signed in to my account: browser and OS, address, last seen,
 * signed in at; this one marked. Signing one out (or all the others) ends
 * its session at once, open consoles included.
 */
export function DevicesPanel() {
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const { sessions } = await call<{ sessions: DeviceSession[] }>("/api/auth/sessions", { signedIn: true });
      setLoad({ status: "ready", sessions });
    } catch (e) {
      setLoad({ status: "error", error: errorText(e) });
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  async function signOut() {
    if (!confirm) return;
    setBusy(true);
    setError(null);
    try {
      if (confirm.kind === "one") {
        await call(`/api/auth/sessions/${encodeURIComponent(confirm.session.id)}`, { method: "DELETE", signedIn: true });
        setDone(`${confirm.session.device} is signed out.`);
      } else {
        const { revoked } = await call<{ revoked: number }>("/api/auth/sessions/others", { method: "DELETE", signedIn: true });
        setDone(revoked === 1 ? "1 other device is signed out." : `${revoked} other devices are signed out.`);
      }
      setConfirm(null);
      await reload();
    } catch (e) {
      setError(errorText(e));
      // Already gone elsewhere: show the list as it is now.
      await reload();
    } finally {
      setBusy(false);
    }
  }

  const others = load.status === "ready" ? load.sessions.filter((s) => !s.current) : [];
  return (
    <Section
      title="Signed-in devices"
      description="Where your account is signed in now. Sign out any device you don't recognise or no longer use; its open console closes at once."
    >
      {done ? <Notice>{done}</Notice> : null}
      {load.status === "loading" ? (
        <p role="status" className="text-sm text-slate-500">
          Loading devices…
        </p>
      ) : load.status === "error" ? (
        <Alert>
          Couldn&apos;t load your devices: {load.error}{" "}
          <button type="button" className="underline" onClick={() => void reload()}>
            Try again
          </button>
        </Alert>
      ) : (
        <>
          <ul aria-label="Signed-in devices" className="divide-y divide-slate-200 rounded-md border border-slate-200">
            {load.sessions.map((s) => (
              <li key={s.id} className="flex flex-wrap items-center justify-between gap-3 px-3 py-3">
                <div className="min-w-0 space-y-0.5">
                  <p className="flex flex-wrap items-center gap-2 font-medium">
                    <span>{s.device}</span>
                    {s.current ? <span className="rounded-full bg-blue-50 px-2 py-0.5 text-xs font-medium text-blue-800">This device</span> : null}
                  </p>
                  <p className="text-xs text-slate-600">
                    {s.ip ?? "Unknown address"} · {s.current ? "Active now" : `Last active ${formatWhen(s.lastSeenAt)}`} · Signed in {formatWhen(s.createdAt)}
                  </p>
                </div>
                {s.current ? null : (
                  <button
                    type="button"
                    className={BUTTON.danger}
                    aria-label={`Sign out ${s.device}, last active ${formatWhen(s.lastSeenAt)}`}
                    onClick={() => {
                      setError(null);
                      setDone(null);
                      setConfirm({ kind: "one", session: s });
                    }}
                  >
                    Sign out
                  </button>
                )}
              </li>
            ))}
          </ul>
          {others.length === 0 ? (
            <p className="text-sm text-slate-500">No other device is signed in.</p>
          ) : (
            <button
              type="button"
              className={BUTTON.danger}
              onClick={() => {
                setError(null);
                setDone(null);
                setConfirm({ kind: "others", count: others.length });
              }}
            >
              Sign out all other devices
            </button>
          )}
        </>
      )}
      <ConfirmDialog
        open={confirm !== null}
        title={confirm?.kind === "one" ? "Sign out this device?" : "Sign out all other devices?"}
        body={
          confirm?.kind === "one" ? (
            <p>
              <strong>{confirm.session.device}</strong> ({confirm.session.ip ?? "unknown address"}) will be signed out now, and anything open there closes.
            </p>
          ) : (
            <p>
              {confirm?.count === 1 ? "1 other device" : `${confirm?.count ?? 0} other devices`} will be signed out now. This device stays signed in.
            </p>
          )
        }
        confirmLabel="Sign out"
        busy={busy}
        error={error}
        onConfirm={() => void signOut()}
        onCancel={() => setConfirm(null)}
      />
    </Section>
  );
}

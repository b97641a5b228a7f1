"use client";

import { useCallback, useEffect, useState } from "react";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { call, errorText, formatWhen, type DeviceSession } from "./api";
import { LoadFailed, Section } from "./ui";

type Load = { status: "loading" } | { status: "error"; error: string } | { status: "ready"; sessions: DeviceSession[] };
type Confirm = { kind: "one"; session: DeviceSession } | { kind: "others"; count: number } | null;

/**
 * The devices signed in to my account: browser and OS, address, last seen,
 * signed in at; this one marked. Signing one out (or all the others) ends
 * its session at once, open consoles included. A change of `refresh` loads
 * the list again (a password change has just signed the others out).
 */
export function DevicesPanel({ refresh = 0 }: { refresh?: number }) {
  const toast = useToast();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [confirm, setConfirm] = useState<Confirm>(null);

  const reload = useCallback(async () => {
    try {
      const { sessions } = await call<{ sessions: DeviceSession[] }>("/api/auth/sessions", { signedIn: true });
      setLoad({ status: "ready", sessions });
    } catch (e) {
      setLoad({ status: "error", error: errorText(e) });
    }
  }, []);
  useEffect(() => void reload(), [reload, refresh]);

  /** Runs from the confirmation dialog, which shows a failure and closes on success. */
  async function signOut() {
    if (!confirm) return;
    try {
      if (confirm.kind === "one") {
        await call(`/api/auth/sessions/${encodeURIComponent(confirm.session.id)}`, { method: "DELETE", signedIn: true });
        toast(`${confirm.session.device} is signed out.`);
      } else {
        const { revoked } = await call<{ revoked: number }>("/api/auth/sessions/others", { method: "DELETE", signedIn: true });
        toast(revoked === 1 ? "1 other device is signed out." : `${revoked} other devices are signed out.`);
      }
    } finally {
      // Signed out or already gone elsewhere: show the list as it is now.
      await reload();
    }
  }

  const others = load.status === "ready" ? load.sessions.filter((s) => !s.current) : [];
  return (
    <>
      <Section
        title="Signed-in devices"
        description="Where your account is signed in now. Sign out any device you don't recognise or no longer use; its open console closes at once."
      >
        {load.status === "loading" ? (
          <p role="status" className="text-sm text-slate-500">
            Loading devices…
          </p>
        ) : load.status === "error" ? (
          <LoadFailed what="your devices" error={load.error} onRetry={() => void reload()} />
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
                      className={`${ui.button.secondary} shrink-0`}
                      aria-label={`Sign out ${s.device}, last active ${formatWhen(s.lastSeenAt)}`}
                      onClick={() => setConfirm({ kind: "one", session: s })}
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
                className={ui.button.secondary}
                onClick={() => setConfirm({ kind: "others", count: others.length })}
              >
                Sign out all other devices
              </button>
            )}
          </>
        )}
      </Section>
      {/* Outside the card: a closed dialog as its last child would leave the card's spacing under the last button. */}
      <ConfirmDialog
        open={confirm !== null}
        onClose={() => setConfirm(null)}
        title={confirm?.kind === "one" ? "Sign out this device?" : "Sign out all other devices?"}
        message={
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
        onConfirm={signOut}
      />
    </>
  );
}

"use client";

import { useEffect, useId, useRef } from "react";

/** The consoles' buttons: primary (blue), secondary (outlined), danger (red outline). */
export const BUTTON = {
  primary: "rounded-md bg-blue-600 px-3 py-2 text-sm font-medium text-white hover:bg-blue-700 disabled:opacity-60",
  secondary: "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-60",
  danger: "rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm text-red-700 hover:bg-red-50 disabled:opacity-60",
  dangerSolid: "rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-700 disabled:opacity-60",
} as const;

export const INPUT =
  "w-full rounded-md border border-slate-300 px-3 py-2 focus:border-blue-500 focus:outline-none focus:ring-2 focus:ring-blue-200 disabled:bg-slate-100";

export function Alert({ children }: { children: React.ReactNode }) {
  return (
    <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
      {children}
    </p>
  );
}

export function Notice({ children }: { children: React.ReactNode }) {
  return (
    <p role="status" className="rounded-md bg-green-50 px-3 py-2 text-sm text-green-800">
      {children}
    </p>
  );
}

/** A card section of the account page, titled. */
export function Section({ title, description, children }: { title: string; description?: React.ReactNode; children: React.ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id} className="space-y-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6">
      <div className="space-y-1">
        <h3 id={id} className="text-base font-semibold">
          {title}
        </h3>
        {description ? <div className="text-sm text-slate-600">{description}</div> : null}
      </div>
      {children}
    </section>
  );
}

/**
 * "Are you sure?" as a modal dialog: Escape or Cancel closes it, the
 * confirming button says what will happen.
 */
export function ConfirmDialog({
  open,
  title,
  body,
  confirmLabel,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  body: React.ReactNode;
  confirmLabel: string;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onClose={onCancel}
      className="m-auto w-[26rem] max-w-[calc(100vw-2rem)] rounded-lg border border-slate-200 p-0 shadow-xl backdrop:bg-slate-900/40"
    >
      <div className="space-y-3 p-4">
        <h2 id={titleId} className="font-semibold">
          {title}
        </h2>
        <div className="text-sm text-slate-700">{body}</div>
        {error ? <Alert>{error}</Alert> : null}
        <div className="flex justify-end gap-2">
          <button type="button" className={BUTTON.secondary} onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="button" className={BUTTON.dangerSolid} onClick={onConfirm} disabled={busy}>
            {busy ? "Working…" : confirmLabel}
          </button>
        </div>
      </div>
    </dialog>
  );
}

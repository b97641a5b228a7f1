"use client";

import { useEffect, useId, useRef } from "react";
import { ui } from "./styles";

/**
 * A modal dialog (the native <dialog>: focus is trapped and returned, Escape
 * closes it). Its title names it; `footer` holds the actions.
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
  footer,
  wide = false,
  large = false,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  description?: React.ReactNode;
  children?: React.ReactNode;
  footer?: React.ReactNode;
  wide?: boolean;
  /** A workspace rather than a question (the chat modal): most of the screen, all of it on a phone; the body lays out its own scrolling. */
  large?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descId = useId();
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
      aria-describedby={description ? descId : undefined}
      // React passes a nested dialog's close and cancel up the component tree: a
      // confirmation closing inside this dialog must not close this one too.
      onClose={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
      onCancel={(e) => {
        if (e.target !== e.currentTarget) return;
        e.preventDefault();
        onClose();
      }}
      className={`m-auto ${
        large
          ? "h-dvh max-h-dvh w-screen sm:h-[calc(100dvh-2rem)] sm:max-h-[calc(100dvh-2rem)] sm:w-[min(72rem,calc(100vw-2rem))] sm:rounded-lg sm:border"
          : `${wide ? "w-[min(36rem,calc(100vw-1.5rem))]" : "w-[min(28rem,calc(100vw-1.5rem))]"} max-h-[calc(100dvh-2rem)] rounded-lg border`
      } max-w-none overflow-hidden border-slate-200 p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40 open:flex open:flex-col`}
    >
      {open ? (
        <>
          <div className="flex items-start justify-between gap-3 border-b border-slate-200 px-4 py-3">
            <div className="min-w-0">
              <h2 id={titleId} className="font-semibold">
                {title}
              </h2>
              {description ? (
                <p id={descId} className="mt-0.5 text-sm text-slate-600">
                  {description}
                </p>
              ) : null}
            </div>
            <button type="button" onClick={onClose} className={ui.button.ghost}>
              Close
            </button>
          </div>
          <div className={large ? "flex min-h-0 flex-1 flex-col overflow-y-auto" : "min-h-0 flex-1 overflow-y-auto px-4 py-3"}>{children}</div>
          {footer ? <div className="flex flex-wrap justify-end gap-2 border-t border-slate-200 bg-slate-50 px-4 py-3">{footer}</div> : null}
        </>
      ) : null}
    </dialog>
  );
}

"use client";

import { useId } from "react";
import { ui } from "./styles";

type Common = { label: string; error?: string; hint?: React.ReactNode };

/** A field's hint, or its error in place of the hint (ids `<id>-hint`, `<id>-error` for aria-describedby). */
export function Described({ id, error, hint }: { id: string; error?: string; hint?: React.ReactNode }) {
  return (
    <>
      {hint && !error ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-700">
          {error}
        </p>
      ) : null}
    </>
  );
}

const describedBy = (id: string, error?: string, hint?: React.ReactNode) => (error ? `${id}-error` : hint ? `${id}-hint` : undefined);

/** A labelled input with its field error (from the server's zod issues) right under it. */
export function TextField({
  label,
  error,
  hint,
  className,
  hideLabel,
  ...input
}: Common & Omit<React.InputHTMLAttributes<HTMLInputElement>, "id"> & { className?: string; /** In a table row whose header says it: the label is for screen readers only. */ hideLabel?: boolean }) {
  const id = useId();
  return (
    <div className={className}>
      <label htmlFor={id} className={hideLabel ? "sr-only" : "mb-1 block text-sm font-medium"}>
        {label}
      </label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, error, hint)} className={ui.input} {...input} />
      <Described id={id} error={error} hint={hint} />
    </div>
  );
}

export function SelectField({
  label,
  error,
  hint,
  className,
  children,
  ...select
}: Common & Omit<React.SelectHTMLAttributes<HTMLSelectElement>, "id"> & { className?: string }) {
  const id = useId();
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1 block text-sm font-medium">
        {label}
      </label>
      <select id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, error, hint)} className={ui.input} {...select}>
        {children}
      </select>
      <Described id={id} error={error} hint={hint} />
    </div>
  );
}

/** An on/off setting (a checkbox announced as a switch), its label beside it. */
export function SwitchField({
  label,
  checked,
  onChange,
  hint,
  error,
  disabled,
}: Common & { checked: boolean; onChange: (checked: boolean) => void; disabled?: boolean }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="flex items-center gap-2 text-sm font-medium">
        <input
          id={id}
          type="checkbox"
          role="switch"
          checked={checked}
          disabled={disabled}
          aria-describedby={describedBy(id, error, hint)}
          onChange={(e) => onChange(e.target.checked)}
          className="h-4 w-4 rounded border-slate-300 accent-blue-600"
        />
        {label}
      </label>
      <Described id={id} error={error} hint={hint} />
    </div>
  );
}

/** A form's own message (not tied to one field): a conflict, a refusal, a lost connection. */
export function FormAlert({ children }: { children: React.ReactNode }) {
  if (!children) return null;
  return (
    <div role="alert" className={ui.alert}>
      {children}
    </div>
  );
}

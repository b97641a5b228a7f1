"use client";

import { useId } from "react";

/** A row of mutually exclusive filter buttons ("All / Active / Disabled"), the pressed one being the filter in force. */
export function PillGroup<V extends string>({
  label,
  options,
  value,
  onChange,
}: {
  label: string;
  options: readonly { value: V; label: string }[];
  value: V;
  onChange: (value: V) => void;
}) {
  const id = useId();
  return (
    <div>
      <p id={id} className="mb-1 text-xs font-medium text-slate-600">
        {label}
      </p>
      <div role="group" aria-labelledby={id} className="flex flex-wrap rounded-md border border-slate-300 bg-white p-0.5">
        {options.map((f) => (
          <button
            key={f.label}
            type="button"
            aria-pressed={value === f.value}
            onClick={() => onChange(f.value)}
            className={`rounded px-3 py-1.5 text-sm ${value === f.value ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-100"}`}
          >
            {f.label}
          </button>
        ))}
      </div>
    </div>
  );
}

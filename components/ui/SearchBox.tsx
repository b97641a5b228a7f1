"use client";

import { useEffect, useId, useRef, useState } from "react";
import { ui } from "./styles";

/** Product brief: search is debounced. */
const SEARCH_DEBOUNCE_MS = 300;

/**
 * A table's search field: typing settles for 300 ms before `onSearch` (the
 * URL) hears it; Back/Forward changing `value` under it is followed.
 */
export function SearchBox({
  label,
  value,
  placeholder,
  onSearch,
  className = "w-full sm:w-64",
}: {
  label: string;
  value: string;
  placeholder?: string;
  onSearch: (q: string) => void;
  className?: string;
}) {
  const id = useId();
  const [typed, setTyped] = useState(value);
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    setSeen(value);
    setTyped(value);
  }
  const search = useRef(onSearch);
  useEffect(() => {
    search.current = onSearch;
  });
  useEffect(() => {
    if (typed.trim() === value) return;
    const t = setTimeout(() => search.current(typed.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [typed, value]);
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-600">
        {label}
      </label>
      <input id={id} type="search" value={typed} maxLength={100} placeholder={placeholder} onChange={(e) => setTyped(e.target.value)} className={ui.input} />
    </div>
  );
}

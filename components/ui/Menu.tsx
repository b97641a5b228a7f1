"use client";

import { useEffect, useId, useRef, useState } from "react";
import { ui } from "./styles";

export type MenuItem = {
  label: string;
  onSelect: () => void;
  tone?: "danger";
  /** A second line under the label ("2/3 active · online", or why it can't be picked). */
  hint?: string;
  /** Shown and focusable, so its hint is read out, but not pickable. */
  disabled?: boolean;
};

/**
 * A row's actions behind one button ("Actions for Ana"): a menu that opens
 * below it, moves with the arrow keys, and closes on Escape, a pick or a
 * click elsewhere.
 */
export function Menu({
  label,
  items,
  buttonText = "Actions",
  align = "right",
  onOpen,
}: {
  label: string;
  items: MenuItem[];
  buttonText?: React.ReactNode;
  /** Which edge of the button the menu lines up with (a menu at the left of a toolbar opens rightwards). */
  align?: "left" | "right";
  /** Opening it is the moment to refresh what it lists. */
  onOpen?: () => void;
}) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    box.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);

  if (items.length === 0) return null;

  const onKey = (e: React.KeyboardEvent) => {
    const all = [...(box.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
    const i = all.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "Escape") {
      e.preventDefault();
      setOpen(false);
      button.current?.focus();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      all[(i + (e.key === "ArrowDown" ? 1 : all.length - 1)) % all.length]?.focus();
    } else if (e.key === "Tab") setOpen(false);
  };

  return (
    <div ref={box} className="relative inline-block text-left" onKeyDown={open ? onKey : undefined}>
      <button
        ref={button}
        type="button"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => {
          if (!open) onOpen?.();
          setOpen(!open);
        }}
        className={ui.button.secondary}
      >
        {buttonText}
        <span aria-hidden="true">▾</span>
      </button>
      {open ? (
        <div
          id={menuId}
          role="menu"
          aria-label={label}
          className={`absolute ${align === "left" ? "left-0" : "right-0"} z-20 mt-1 max-h-80 overflow-y-auto rounded-md border border-slate-200 bg-white py-1 shadow-lg ${
            items.some((it) => it.hint) ? "w-max max-w-[min(22rem,calc(100vw-2rem))] min-w-56" : "w-48"
          }`}
        >
          {items.map((it, i) => (
            <button
              key={`${i}:${it.label}`}
              type="button"
              role="menuitem"
              aria-disabled={it.disabled || undefined}
              onClick={() => {
                if (it.disabled) return;
                setOpen(false);
                it.onSelect();
              }}
              className={`block w-full px-3 py-1.5 text-left text-sm hover:bg-slate-100 focus:bg-slate-100 focus:outline-none aria-disabled:cursor-not-allowed aria-disabled:hover:bg-transparent ${
                it.disabled ? "text-slate-500" : it.tone === "danger" ? "text-red-700" : "text-slate-700"
              }`}
            >
              <span className="block">{it.label}</span>
              {it.hint ? <span className="block text-xs text-slate-500">{it.hint}</span> : null}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}

"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { ACCOUNT_SECURITY_PATH } from "./paths";

/** "MT" for "Maya Twofactor": the phone header shows these instead of the whole name. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((w) => Array.from(w)[0]!.toUpperCase()).join("") || "?";
}

/**
 * The console header's "you": initials (and, from `sm` up, the name), a link
 * to the account page (two-factor, password, devices).
 */
export function AccountLink({ displayName }: { displayName: string }) {
  const here = usePathname() === ACCOUNT_SECURITY_PATH;
  return (
    <Link
      href={ACCOUNT_SECURITY_PATH}
      aria-current={here ? "page" : undefined}
      title="Account and security"
      className={`flex min-w-0 items-center gap-2 rounded-full py-0.5 pr-0.5 pl-0.5 text-sm text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 sm:pr-2.5 ${here ? "bg-slate-100" : ""}`}
    >
      <span aria-hidden="true" className="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-slate-200 text-xs font-semibold text-slate-700">
        {initials(displayName)}
      </span>
      {/* Phones show only the initials; the name is still the link's name there. */}
      <span className="sr-only sm:not-sr-only">
        <span className="block max-w-[14rem] truncate">{displayName}</span>
      </span>
      <span className="sr-only">, account and security</span>
    </Link>
  );
}

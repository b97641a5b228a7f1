"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

export type NavItem = { href: string; label: string };

/**
 * The current section of a nav list: the longest item that is the path or a
 * folder of it ("/admin/chats/12" is Chats, not Overview).
 */
export function currentHref(items: NavItem[], pathname: string): string | null {
  let best: string | null = null;
  for (const { href } of items) {
    const hit = pathname === href || pathname.startsWith(href.endsWith("/") ? href : `${href}/`);
    if (hit && (best === null || href.length > best.length)) best = href;
  }
  return best;
}

/** The console's sections; the one on screen is marked (aria-current="page"). */
export function ConsoleNav({ label, items }: { label: string; items: NavItem[] }) {
  const current = currentHref(items, usePathname() ?? "");
  return (
    <nav aria-label={label}>
      <ul className="flex gap-1 overflow-x-auto px-2 py-1.5 md:flex-col md:py-0">
        {items.map((item) => {
          const here = item.href === current;
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={here ? "page" : undefined}
                className={`block rounded-md px-3 py-1.5 text-sm whitespace-nowrap ${
                  here ? "bg-slate-900 font-medium text-white" : "text-slate-700 hover:bg-slate-100"
                }`}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

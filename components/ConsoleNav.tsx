"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useRef } from "react";

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

/**
 * The console's sections; the one on screen is marked (aria-current="page").
 * On a phone the list is one scrolling row: the current section is scrolled
 * into it, so "Marketing" is never cut off at the edge while you are there.
 */
export function ConsoleNav({ label, items }: { label: string; items: NavItem[] }) {
  const current = currentHref(items, usePathname() ?? "");
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    const ul = list.current;
    const here = ul?.querySelector<HTMLElement>('[aria-current="page"]');
    // Only the row's own scroll (never the page's): a no-op where the list is a column or fits.
    if (!ul || !here || ul.scrollWidth <= ul.clientWidth) return;
    const left = here.getBoundingClientRect().left - ul.getBoundingClientRect().left + ul.scrollLeft;
    ul.scrollLeft = Math.max(0, left - (ul.clientWidth - here.offsetWidth) / 2);
  }, [current]);
  return (
    <nav aria-label={label}>
      <ul ref={list} className="flex gap-1 overflow-x-auto px-2 py-1.5 md:flex-col md:py-0">
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

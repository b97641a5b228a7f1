"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";

/** The URL parameters that say which page of a table is showing; any filter change drops them (back to page 1). */
const PAGE_KEYS = ["after", "before"];

/**
 * A table's filters and page, kept in the URL: Back and Forward walk the
 * pages, a shared link opens the same view. `set` pushes a history entry;
 * an empty value removes its parameter.
 */
export function useUrlQuery() {
  const search = useSearchParams();
  const pathname = usePathname();
  const router = useRouter();
  const query = useMemo(() => new URLSearchParams(search?.toString() ?? ""), [search]);
  const set = useCallback(
    (patch: Record<string, string | number | null | undefined>, opts: { keepPage?: boolean; replace?: boolean } = {}) => {
      const next = new URLSearchParams(query);
      if (!opts.keepPage) for (const k of PAGE_KEYS) next.delete(k);
      for (const [k, v] of Object.entries(patch)) {
        if (v === null || v === undefined || v === "") next.delete(k);
        else next.set(k, String(v));
      }
      const qs = next.toString();
      const url = qs ? `${pathname}?${qs}` : (pathname ?? "");
      if (opts.replace) router.replace(url, { scroll: false });
      else router.push(url, { scroll: false });
    },
    [query, pathname, router],
  );
  return { query, get: (k: string) => query.get(k) ?? "", set };
}

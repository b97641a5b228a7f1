"use client";

import { DEFAULT_PAGE_SIZE, PAGE_SIZES, type PageSize, type TablePage } from "@/lib/console/table";
import { PaginationBar } from "@/components/ui/Pagination";
import type { useUrlQuery } from "@/components/ui/useUrlQuery";

type UrlQuery = ReturnType<typeof useUrlQuery>;

/** The page a table shows, from the URL: rows per page and the cursor. */
export function pageQuery(url: UrlQuery) {
  const n = Number(url.get("limit"));
  const limit = (PAGE_SIZES as readonly number[]).includes(n) ? (n as PageSize) : DEFAULT_PAGE_SIZE;
  return { limit, query: { after: url.get("after"), before: url.get("before"), limit: limit === DEFAULT_PAGE_SIZE ? undefined : String(limit) } };
}

/** Under each of the page's tables: the shared pagination bar driven by the URL. */
export function TableFooter<T>({ url, page, limit, busy, capped = false }: { url: UrlQuery; page: TablePage<T>; limit: PageSize; busy: boolean; capped?: boolean }) {
  return (
    <>
      <PaginationBar
        from={page.from}
        count={page.items.length}
        total={page.total}
        pageSize={limit}
        busy={busy}
        onPageSize={(n) => url.set({ limit: n === DEFAULT_PAGE_SIZE ? null : n })}
        onPrev={page.prev ? () => url.set({ before: page.prev, after: null }, { keepPage: true }) : null}
        onNext={page.next ? () => url.set({ after: page.next, before: null }, { keepPage: true }) : null}
      />
      {capped ? (
        <p className="px-3 pb-2 text-xs text-slate-500">More than {page.total.toLocaleString("en")} entries match; narrow the filters to count them exactly.</p>
      ) : null}
    </>
  );
}

/** "12 May 2026, 14:05" in the viewer's time zone, the exact instant in the title. */
export function When({ at }: { at: string | null }) {
  if (!at) return <span className="text-slate-500">—</span>;
  const d = new Date(at);
  return (
    <time dateTime={at} title={d.toISOString()} className="whitespace-nowrap tabular-nums">
      {d.toLocaleString(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" })}
    </time>
  );
}

export const RULE_LABEL = { login: "Failed sign-ins", scanner: "Scanners", upload: "Bad uploads", rate_limit: "Rate-limit hits" } as const;

/** The note a manager reads where an admin would edit. */
export function ReadOnlyNote({ children }: { children: React.ReactNode }) {
  return <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">{children}</p>;
}

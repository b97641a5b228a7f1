"use client";

import { useId } from "react";
import { DEFAULT_PAGE_SIZE, PAGE_SIZES, type PageSize } from "@/lib/console/table";
import { ui } from "./styles";

/**
 * Under every server-paginated table: the rows selector (20 / 50 / 100),
 * "X–Y of Z", and Prev / Next.
 */
export function PaginationBar({
  from,
  count,
  total,
  pageSize,
  onPageSize,
  onPrev,
  onNext,
  busy = false,
}: {
  from: number;
  count: number;
  total: number;
  pageSize: PageSize;
  onPageSize: (n: PageSize) => void;
  onPrev: (() => void) | null;
  onNext: (() => void) | null;
  busy?: boolean;
}) {
  const id = useId();
  const range = count === 0 ? `0 of ${total}` : `${from}–${from + count - 1} of ${total}`;
  return (
    <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 px-3 py-2 text-sm text-slate-600">
      <div className="flex items-center gap-2">
        <label htmlFor={id}>Rows per page</label>
        <select
          id={id}
          value={pageSize}
          onChange={(e) => onPageSize(Number(e.target.value) as PageSize)}
          className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </div>
      <div className="flex items-center gap-3">
        <p aria-live="polite" className="tabular-nums">
          {range}
        </p>
        <div className="flex gap-1">
          <button type="button" className={ui.button.secondary} onClick={onPrev ?? undefined} disabled={!onPrev || busy} aria-label="Previous page">
            Prev
          </button>
          <button type="button" className={ui.button.secondary} onClick={onNext ?? undefined} disabled={!onNext || busy} aria-label="Next page">
            Next
          </button>
        </div>
      </div>
    </div>
  );
}

/** The rows selector's value in a table's URL (`limit`), the default when absent or not one of 20 / 50 / 100. */
export function urlPageSize(url: { get: (k: string) => string }): PageSize {
  const n = Number(url.get("limit"));
  return (PAGE_SIZES as readonly number[]).includes(n) ? (n as PageSize) : DEFAULT_PAGE_SIZE;
}

/**
 * The pagination bar of a table whose page lives in the URL (useUrlQuery):
 * Prev / Next put the server's cursors there, the rows selector `limit`
 * (any of them leaves the filters alone; a new size goes back to page 1).
 */
export function UrlPaginationBar({
  url,
  page,
  count,
  busy,
}: {
  url: { get: (k: string) => string; set: (patch: Record<string, string | number | null>, opts?: { keepPage?: boolean }) => void };
  page: { from: number; total: number; prev: string | null; next: string | null };
  count: number;
  busy: boolean;
}) {
  const { prev, next } = page;
  return (
    <PaginationBar
      from={page.from}
      count={count}
      total={page.total}
      pageSize={urlPageSize(url)}
      busy={busy}
      onPageSize={(n) => url.set({ limit: n === DEFAULT_PAGE_SIZE ? null : n })}
      onPrev={prev ? () => url.set({ before: prev, after: null }, { keepPage: true }) : null}
      onNext={next ? () => url.set({ after: next, before: null }, { keepPage: true }) : null}
    />
  );
}

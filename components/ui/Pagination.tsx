"use client";

import { useId } from "react";
import { PAGE_SIZES, type PageSize } from "@/lib/console/table";
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

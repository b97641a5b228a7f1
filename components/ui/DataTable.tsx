"use client";

import { ui } from "./styles";

export type Column<T> = {
  key: string;
  header: string;
  cell: (row: T) => React.ReactNode;
  /** Classes for this column's cells (width, alignment). */
  className?: string;
  /** On a phone, rows become cards: the primary column is the card's title. */
  primary?: boolean;
  /** The header is said, not shown (an actions column). */
  srHeader?: boolean;
};

export type TableState = { status: "loading" | "ready" | "error"; error?: string | null; onRetry?: () => void };

/**
 * The back office's one table: a real <table> from tablet width up, a list of
 * cards on a phone (same columns, the header as each value's label), with
 * loading, empty and error states, and the pagination bar under it. Data and
 * paging come from the caller (useServerPage + useUrlQuery): the table never
 * holds more rows than one server page.
 */
export function DataTable<T>({
  label,
  columns,
  rows,
  rowKey,
  state,
  empty,
  footer,
  onRowClick,
}: {
  /** The table's accessible name ("Agents"). */
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  state: TableState;
  /** Shown when the page is ready and has no rows. */
  empty: React.ReactNode;
  /** The pagination bar. */
  footer?: React.ReactNode;
  /** A click anywhere on a row (a pointer convenience: the row's primary cell must hold a link or button for keyboards). */
  onRowClick?: (row: T) => void;
}) {
  const loadingFirst = state.status === "loading" && rows.length === 0;
  const failed = state.status === "error";
  const body = failed ? (
    <div role="alert" className="flex flex-wrap items-center gap-3 px-3 py-6 text-sm text-red-700">
      <span>Couldn&apos;t load {label.toLowerCase()}: {state.error ?? "something went wrong"}.</span>
      {state.onRetry ? (
        <button type="button" className={ui.button.secondary} onClick={state.onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  ) : loadingFirst ? (
    <p role="status" className="px-3 py-6 text-sm text-slate-500">
      Loading {label.toLowerCase()}…
    </p>
  ) : rows.length === 0 ? (
    <div className="px-3 py-8 text-center text-sm text-slate-500">{empty}</div>
  ) : null;

  const primary = columns.find((c) => c.primary) ?? columns[0];
  return (
    <div className={`${ui.card} overflow-hidden`} aria-busy={state.status === "loading" || undefined}>
      {body ?? (
        <>
          <div className="hidden overflow-x-auto md:block">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">{label}</caption>
              <thead className="border-b border-slate-200 bg-slate-50 text-xs font-medium tracking-wide text-slate-500 uppercase">
                <tr>
                  {columns.map((c) => (
                    <th key={c.key} scope="col" className={`px-3 py-2 font-medium ${c.className ?? ""}`}>
                      {c.srHeader ? <span className="sr-only">{c.header}</span> : c.header}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className={`divide-y divide-slate-100 ${state.status === "loading" ? "opacity-60" : ""}`}>
                {rows.map((row) => (
                  <tr
                    key={rowKey(row)}
                    className={`align-middle hover:bg-slate-50 ${onRowClick ? "cursor-pointer" : ""}`}
                    onClick={
                      onRowClick
                        ? (e) => {
                            // The row's own controls (its link) handle their clicks.
                            if ((e.target as Element).closest("a, button, input, select, textarea, label")) return;
                            onRowClick(row);
                          }
                        : undefined
                    }
                  >
                    {columns.map((c) => (
                      <td key={c.key} className={`px-3 py-2 ${c.className ?? ""}`}>
                        {c.cell(row)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ul aria-label={label} className={`divide-y divide-slate-100 md:hidden ${state.status === "loading" ? "opacity-60" : ""}`}>
            {rows.map((row) => (
              <li key={rowKey(row)} className="space-y-1.5 px-3 py-3 text-sm">
                <div>{primary.cell(row)}</div>
                <dl className="grid grid-cols-[auto_minmax(0,1fr)] items-center gap-x-3 gap-y-1">
                  {columns
                    .filter((c) => c !== primary && !c.srHeader)
                    .map((c) => (
                      <div key={c.key} className="contents">
                        <dt className="text-xs text-slate-500">{c.header}</dt>
                        <dd className="min-w-0">{c.cell(row)}</dd>
                      </div>
                    ))}
                </dl>
                {columns
                  .filter((c) => c !== primary && c.srHeader)
                  .map((c) => (
                    <div key={c.key} className="pt-1">
                      {c.cell(row)}
                    </div>
                  ))}
              </li>
            ))}
          </ul>
        </>
      )}
      {footer && !failed ? <div className="border-t border-slate-200">{footer}</div> : null}
    </div>
  );
}

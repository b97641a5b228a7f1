/**
 * What the back office's server-paginated tables share with the browser.
 * Import-free (no zod, no drizzle), so client components can import it.
 */

/** Product brief: every table has a rows selector of 20 / 50 / 100. */
export const PAGE_SIZES = [20, 50, 100] as const;
export type PageSize = (typeof PAGE_SIZES)[number];
export const DEFAULT_PAGE_SIZE: PageSize = 20;

/** One page of a table, keyset-paginated. */
export type TablePage<T> = {
  items: T[];
  /** Rows matching the filters (the "of Z"). */
  total: number;
  /** 1-based position of the first item, 0 when the page is empty ("X" of "X–Y of Z"). */
  from: number;
  /** Cursor for the page before this one; null on the first page. */
  prev: string | null;
  /** Cursor for the page after this one; null on the last page. */
  next: string | null;
};

import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "../errors";
import { DEFAULT_PAGE_SIZE, PAGE_SIZES, type TablePage } from "./table";

export { PAGE_SIZES, DEFAULT_PAGE_SIZE, type PageSize, type TablePage } from "./table";

/** Longest cursor accepted: a forged one is a 400, never a query. */
const MAX_CURSOR_CHARS = 512;

type Boundary<K> = { key: K; offset: number };

/**
 * An opaque keyset cursor: the sort key of the row a page starts or ends at,
 * and that row's 0-based position in the list. The position is what lets a
 * page say "41–60 of 230" without counting the rows before it (a deep
 * OFFSET or a count per page is what keyset pagination exists to avoid);
 * it is a label, not used to find rows, so rows added meanwhile only shift
 * the label. `key` validates the sort key a list uses.
 */
export function keysetCursor<K extends z.ZodType>(key: K) {
  const Decoded = z.object({ o: z.number().int().min(0).max(1_000_000_000), k: key });
  const schema = z
    .string()
    .max(MAX_CURSOR_CHARS, "Invalid cursor.")
    .regex(/^[A-Za-z0-9_-]+$/, "Invalid cursor.")
    .transform((s, ctx): Boundary<z.output<K>> => {
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
      } catch {
        json = undefined;
      }
      const r = Decoded.safeParse(json);
      if (!r.success) {
        ctx.addIssue({ code: "custom", message: "Invalid cursor." });
        return z.NEVER;
      }
      const d = r.data as { o: number; k: z.output<K> };
      return { key: d.k, offset: d.o };
    });
  const encode = (k: z.input<K>, offset: number) => Buffer.from(JSON.stringify({ o: offset, k })).toString("base64url");
  return { schema, encode };
}

/** The rows selector: 20, 50 or 100 (a string from the URL, too). */
export const PageSizeInput = z.coerce
  .number()
  .pipe(z.literal(PAGE_SIZES, { error: "Rows per page must be 20, 50 or 100." }))
  .default(DEFAULT_PAGE_SIZE);

/** The paging fields of a list's input: `after` (Next) or `before` (Prev), and the page size. */
export function pageFields<S extends z.ZodType>(cursor: { schema: S }) {
  return { after: cursor.schema.optional(), before: cursor.schema.optional(), limit: PageSizeInput };
}

export type Seek<K> = { direction: "forward" | "backward"; key: K };

/**
 * SQL: the rows strictly after (forward) or before (backward) `key` in a list
 * sorted by `columns`, all ascending or all descending — a row-value
 * comparison, which an index on the same columns answers by a range scan.
 */
export function seekSql(columns: SQL[], seek: Seek<readonly unknown[]>, order: "asc" | "desc"): SQL {
  const forwardIsGreater = order === "asc";
  const op = (seek.direction === "forward") === forwardIsGreater ? sql`>` : sql`<`;
  const values = seek.key.map((v) => sql`${v}`);
  return sql`(${sql.join(columns, sql`, `)}) ${op} (${sql.join(values, sql`, `)})`;
}

/** ORDER BY for reading in `direction` from a boundary: a backward page reads the list in reverse (nearest first). */
export function seekOrder(columns: SQL[], direction: "forward" | "backward", order: "asc" | "desc"): SQL[] {
  const asc = (order === "asc") === (direction === "forward");
  return columns.map((c) => (asc ? sql`${c} asc` : sql`${c} desc`));
}

/**
 * A (cached, so possibly stale) total never below the rows the page itself
 * shows: rows added since it was counted never read "41–60 of 50".
 */
export function totalAtLeastShown(page: Pick<TablePage<unknown>, "from" | "items">, total: number): number {
  const shown = page.from ? page.from + page.items.length - 1 : 0;
  return Math.max(total, shown);
}

/**
 * One page of a keyset-paginated list. `fetch` reads at most `take` rows
 * after (or, backward, before) the boundary, nearest first; with no boundary,
 * the list's first rows. Pages are always full when the list allows: a
 * Prev that reaches the start is the first page.
 */
export async function keysetPage<Row, K>(opts: {
  page: { after?: Boundary<K>; before?: Boundary<K>; limit: number };
  encode: (key: K, offset: number) => string;
  keyOf: (row: Row) => K;
  fetch: (seek: Seek<K> | null, take: number) => Promise<Row[]>;
  total: number;
}): Promise<TablePage<Row>> {
  const { page, encode, keyOf, total } = opts;
  const { limit } = page;
  if (page.after && page.before) throw new AppError("bad_request", "Send either after or before, not both.");
  if (page.before) {
    const rows = await opts.fetch({ direction: "backward", key: page.before.key }, limit + 1);
    const more = rows.length > limit;
    const items = rows.slice(0, limit).reverse();
    // Nothing further back: this is the first page, whatever the cursor's label said.
    const start = more ? Math.max(1, page.before.offset - items.length) : 0;
    return {
      items,
      total,
      from: items.length ? start + 1 : 0,
      prev: more && items.length ? encode(keyOf(items[0]), start) : null,
      next: items.length ? encode(keyOf(items[items.length - 1]), start + items.length - 1) : null,
    };
  }
  const after = page.after;
  const rows = await opts.fetch(after ? { direction: "forward", key: after.key } : null, limit + 1);
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const start = after ? after.offset + 1 : 0;
  return {
    items,
    total,
    from: items.length ? start + 1 : 0,
    // A page past the end (its rows were deleted) still leads back.
    prev: after ? encode(items.length ? keyOf(items[0]) : after.key, start) : null,
    next: more ? encode(keyOf(items[items.length - 1]), start + items.length - 1) : null,
  };
}

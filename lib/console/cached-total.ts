import type { Db } from "../../db/client";
import { singleton } from "../singleton";

/** How long a table's "of Z" is reused for the same filters: page turns within it cost no count. */
export const TABLE_TOTAL_TTL_MS = 30_000;
const CACHE_SIZE = 200;

type CachedTotal = { at: number; n: Promise<number> };

/**
 * A table's total, counted once per database, table and normalised filter
 * set, and reused for TABLE_TOTAL_TTL_MS (a count at a million rows costs
 * more than the page itself). On globalThis: server.ts and Next's route
 * handlers load separate copies of this module. A Map kept in insertion
 * order is the LRU: a hit re-inserts its key. The same approach as the Chats
 * table's (lib/chat/list-conversations.ts), for any table.
 */
export function cachedTableTotal(db: Db, table: string, key: string, now: number, count: () => Promise<number>): Promise<number> {
  const byDb = singleton("table-totals", () => new WeakMap<Db, Map<string, Map<string, CachedTotal>>>());
  let tables = byDb.get(db);
  if (!tables) byDb.set(db, (tables = new Map()));
  let cache = tables.get(table);
  if (!cache) tables.set(table, (cache = new Map()));
  const c = cache;
  const hit = c.get(key);
  c.delete(key);
  if (hit && now - hit.at < TABLE_TOTAL_TTL_MS) {
    c.set(key, hit);
    return hit.n;
  }
  const entry: CachedTotal = { at: now, n: count() };
  c.set(key, entry);
  // A failed count is not remembered.
  entry.n.catch(() => c.get(key) === entry && c.delete(key));
  while (c.size > CACHE_SIZE) c.delete(c.keys().next().value!);
  return entry.n;
}

/** Forget a table's cached totals (tests; a writer that knows the numbers moved). */
export function forgetTableTotals(db: Db, table: string) {
  singleton("table-totals", () => new WeakMap<Db, Map<string, Map<string, CachedTotal>>>())
    .get(db)
    ?.delete(table);
}

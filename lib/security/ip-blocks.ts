import net from "node:net";
import { and, eq, gt, isNull, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { blockedIps } from "../../db/schema";
import { singleton } from "../singleton";
import { addToBlockList, ipFamily, normalizeIp } from "./client-ip";

type Entry = { address: string; expiresAt: number | null };
type Cache = { list: net.BlockList; entries: Entry[]; nextExpiry: number; loadedAt: number; db: Db | null; listeners: (() => void)[] };

/**
 * In-memory view of the block list, so the check that runs first on every
 * request is a BlockList lookup, not a query. Refreshed from the database by
 * the scheduler (other instances' blocks arrive within one interval) and at
 * once after a block is added in this process.
 */
const cache = () =>
  singleton<Cache>("ip-block-cache", () => ({ list: new net.BlockList(), entries: [], nextExpiry: Infinity, loadedAt: 0, db: null, listeners: [] }));

/**
 * Run `fn` after every reload of the block list (server.ts closes the sockets
 * of newly blocked addresses with it: at once for a block made here, within
 * one refresh for a block made on another instance).
 */
export function onIpBlocksRefreshed(fn: () => void): void {
  cache().listeners.push(fn);
}

/** Rebuild the lookup list from the cached rows, leaving out blocks that have run out by `now`. */
function rebuild(c: Cache, now: number) {
  const list = new net.BlockList();
  let nextExpiry = Infinity;
  for (const e of c.entries) {
    if (e.expiresAt !== null && e.expiresAt <= now) continue;
    if (addToBlockList(list, e.address) && e.expiresAt !== null) nextExpiry = Math.min(nextExpiry, e.expiresAt);
  }
  c.list = list;
  c.nextExpiry = nextExpiry;
}

export async function refreshIpBlocks(db: Db, now = new Date()): Promise<number> {
  const rows = await db
    .select({ address: blockedIps.address, expiresAt: blockedIps.expiresAt })
    .from(blockedIps)
    .where(or(isNull(blockedIps.expiresAt), gt(blockedIps.expiresAt, now)));
  const c = cache();
  c.entries = rows.map((r) => ({ address: r.address, expiresAt: r.expiresAt ? r.expiresAt.getTime() : null }));
  rebuild(c, now.getTime());
  c.loadedAt = now.getTime();
  c.db = db;
  for (const fn of c.listeners) fn();
  return rows.length;
}

/** Synchronous and allocation-free on the hot path. */
export function isIpBlocked(ip: string, now = Date.now()): boolean {
  const c = cache();
  if (now >= c.nextExpiry) {
    // A block just ran out: drop it from the list at once (an expired block
    // must not refuse even one more request), and reload in the background.
    rebuild(c, now);
    if (c.db) void refreshIpBlocks(c.db).catch(() => {});
  }
  const v = normalizeIp(ip);
  const fam = ipFamily(v);
  return fam !== null && c.list.check(v, fam);
}

/** Add a block row and apply it in this process at once. */
export async function blockIp(
  db: Db,
  input: { address: string; reason: string; source: "manual" | "auto"; rule?: "login" | "scanner" | "upload" | "rate_limit"; expiresAt?: Date | null; operatorId?: number | null },
  /** Inside a transaction, pass `refresh: false` and refresh after commit (a rolled-back block must not apply). */
  opts: { refresh?: boolean } = {},
): Promise<void> {
  await db.insert(blockedIps).values({
    address: input.address,
    reason: input.reason,
    source: input.source,
    rule: input.rule ?? null,
    expiresAt: input.expiresAt ?? null,
    operatorId: input.operatorId ?? null,
  });
  if (opts.refresh !== false) await refreshIpBlocks(db);
}

export async function unblockIp(db: Db, id: number): Promise<void> {
  await db.delete(blockedIps).where(eq(blockedIps.id, id));
  await refreshIpBlocks(db);
}

export async function listActiveBlocks(db: Db, now = new Date()) {
  return db
    .select()
    .from(blockedIps)
    .where(and(or(isNull(blockedIps.expiresAt), gt(blockedIps.expiresAt, now))));
}

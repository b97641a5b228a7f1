import { and, eq, gt, isNull, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { blockedIps, type StrikeRule } from "../../db/schema";
import { singleton } from "../singleton";
import { IpMatcher, parseIpRange, type IpRange } from "./client-ip";
import { isAllowListed, refreshSecuritySettings } from "./security-settings";

type Entry = { range: IpRange; expiresAt: number | null };
type Cache = { blocks: IpMatcher; entries: Entry[]; nextExpiry: number; loadedAt: number; db: Db | null; listeners: (() => void)[] };

/**
 * In-memory view of the block list, so the check that runs first on every
 * request is a Set lookup (or a few mask compares), not a query. Refreshed
 * from the database by the scheduler (other instances' blocks arrive within
 * one interval) and at once after a block is added in this process.
 */
const cache = () =>
  singleton<Cache>("ip-block-cache", () => ({ blocks: new IpMatcher(), entries: [], nextExpiry: Infinity, loadedAt: 0, db: null, listeners: [] }));

/**
 * Run `fn` after every reload of the block list (server.ts closes the sockets
 * of newly blocked addresses with it: at once for a block made here, within
 * one refresh for a block made on another instance).
 */
export function onIpBlocksRefreshed(fn: () => void): void {
  cache().listeners.push(fn);
}

/** Rebuild the matcher from the cached rows, leaving out blocks that have run out by `now`. */
function rebuild(c: Cache, now: number) {
  const blocks = new IpMatcher();
  let nextExpiry = Infinity;
  for (const e of c.entries) {
    if (e.expiresAt !== null && e.expiresAt <= now) continue;
    blocks.add(e.range);
    if (e.expiresAt !== null) nextExpiry = Math.min(nextExpiry, e.expiresAt);
  }
  c.blocks = blocks;
  c.nextExpiry = nextExpiry;
}

/**
 * Reload the block list, and with it the strike thresholds and the
 * allow-list, so a change made on any instance applies here within one
 * refresh interval.
 */
export async function refreshIpBlocks(db: Db, now = new Date()): Promise<number> {
  const [rows] = await Promise.all([
    db
      .select({ address: blockedIps.address, expiresAt: blockedIps.expiresAt })
      .from(blockedIps)
      .where(or(isNull(blockedIps.expiresAt), gt(blockedIps.expiresAt, now))),
    refreshSecuritySettings(db, now),
  ]);
  const c = cache();
  c.entries = [];
  for (const r of rows) {
    let range: IpRange;
    try {
      // Stored rows are taken as they are (no width limit); a malformed one is skipped, not fatal.
      range = parseIpRange(r.address, { lenient: true });
    } catch {
      continue;
    }
    c.entries.push({ range, expiresAt: r.expiresAt ? r.expiresAt.getTime() : null });
  }
  rebuild(c, now.getTime());
  c.loadedAt = now.getTime();
  c.db = db;
  for (const fn of c.listeners) fn();
  return rows.length;
}

/**
 * Whether a request from `ip` is refused. Synchronous, no query: the first
 * check on every request. An allow-listed client is never refused — the
 * allow-list wins even over a manual block (which `blockAddress` refuses to
 * create for it anyway), because a health checker or the office network
 * locked out by a block is an outage, not a defence.
 */
export function isIpBlocked(ip: string, now = Date.now()): boolean {
  const c = cache();
  if (now >= c.nextExpiry) {
    // A block just ran out: drop it from the list at once (an expired block
    // must not refuse even one more request), and reload in the background.
    rebuild(c, now);
    if (c.db) void refreshIpBlocks(c.db).catch(() => {});
  }
  return c.blocks.has(ip) && !isAllowListed(ip);
}

/**
 * Add a block row as given and apply it in this process at once. The raw
 * writer: staff blocks go through `blockAddress` (validation, policy, audit),
 * automatic ones through the strike rules.
 */
export async function blockIp(
  db: Db,
  input: { address: string; reason: string; source: "manual" | "auto"; rule?: StrikeRule; expiresAt?: Date | null; operatorId?: number | null },
  /** Inside a transaction, pass `refresh: false` and refresh after commit (a rolled-back block must not apply). */
  opts: { refresh?: boolean } = {},
): Promise<{ id: number }> {
  const [row] = await db.insert(blockedIps).values({
    address: input.address,
    reason: input.reason,
    source: input.source,
    rule: input.rule ?? null,
    expiresAt: input.expiresAt ?? null,
    operatorId: input.operatorId ?? null,
  }).returning({ id: blockedIps.id });
  if (opts.refresh !== false) await refreshIpBlocks(db);
  return row;
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

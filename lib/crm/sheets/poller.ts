/**
 * The Sheets poller (sweeper leader only): each tick reads the due sources'
 * ranges and turns rows it has not imported yet into leads of the source's
 * project.
 *
 * Idempotency: a row's key (`leads.external_ref`, unique per source) is a
 * hash of its normalised name, phone and email plus how many identical rows
 * come before it — never its row number. Rows inserted or deleted above,
 * sorting, a restart or an edit of an extra column therefore import nothing
 * twice; a row whose name, phone or email is edited is a new lead. Rows that
 * don't validate are reported (`last_error`, "Row 7: …") and read again on
 * the next poll, so fixing one in the sheet imports it: nothing is lost.
 */
import { createHash } from "node:crypto";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { and, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { leads, sheetSources, type ImportColumnField } from "../../../db/schema";
import { audit } from "../../audit";
import { systemCtx, withTransaction } from "../../ctx";
import { getEnv } from "../../env";
import { logger } from "../../logger";
import { validateRow } from "../csv-import-job";
import { loadServiceAccountKey } from "./service-account";
import { firstRowOf } from "./sheet-ref";
import { isSheetsReadError, readSheetValues, SheetsReadError } from "./sheets-client";
import type { SheetField } from "./sources";

type SheetSource = typeof sheetSources.$inferSelect;

/**
 * Sheets allows 60 reads a minute per user (the service account): at most 4
 * sources per 5-second tick is 48 a minute, leaving room for the admin's
 * live header reads.
 */
export const POLL_EVERY_MS = 5_000;
export const SOURCES_PER_TICK = 4;
/** The longest wait after failures (exponential from the interval); a 429's Retry-After may ask for longer, up to a day. */
export const MAX_BACKOFF_MS = 60 * 60_000;
const MAX_RETRY_AFTER_MS = 24 * 60 * 60_000;
/** Rows read per poll; a larger range is cut here (and says so) so one sheet can't hold the leader. */
export const MAX_ROWS = 50_000;
/** Rows looked up and inserted per statement, yielding between them (PGlite shares the event loop with the sockets). */
const BATCH = 500;
/** Row errors spelled out in `last_error`; the rest are counted. */
const ROW_ERRORS_SHOWN = 3;

export type PollResult =
  | { sourceId: number; ok: true; imported: number; rowErrors: number; rows: number }
  | { sourceId: number; ok: false; error: string; retryInMs: number };

type Candidate = { ref: string; sheetRow: number; name: string; phone: string; email: string; extra: Record<string, string> };

/** How long to wait after the n-th failure in a row: the interval doubled each time, at most an hour. */
export function backoffMs(intervalSec: number, failures: number): number {
  return Math.min(intervalSec * 1000 * 2 ** Math.max(0, failures), MAX_BACKOFF_MS);
}

/** A row's identity: its normalised contact fields (not its position, not its extra columns). */
export function rowFingerprint(r: { name: string; phone: string; email: string }): string {
  const name = r.name.trim().toLowerCase().replace(/\s+/g, " ");
  return createHash("sha256").update(`${name}\u0000${r.phone}\u0000${r.email.trim().toLowerCase()}`).digest("hex").slice(0, 32);
}

/**
 * Map, validate and key every data row; invalid ones come back as "Row N:
 * reason". Up to 50,000 rows of phone rules and hashes: it yields to the
 * event loop every batch, since the leader also serves chats.
 */
export async function decideRows(a: {
  rows: string[][];
  firstRow: number;
  mapping: Record<string, SheetField>;
  defaultCountry: string | null;
}): Promise<{ headers: string[]; candidates: Candidate[]; errors: string[]; missing: string[] }> {
  const headers = (a.rows[0] ?? []).map((h) => h.trim());
  const seen = new Set<string>();
  // By header name: columns may move; the first of two equal headers is the one mapped.
  const fields: ImportColumnField[] = headers.map((h) => {
    const f = seen.has(h) ? undefined : a.mapping[h];
    seen.add(h);
    return f && f !== "ignore" ? f : "ignore";
  });
  const missing = Object.entries(a.mapping)
    .filter(([h, f]) => f !== "ignore" && !headers.includes(h))
    .map(([h]) => h);
  const candidates: Candidate[] = [];
  const errors: string[] = [];
  const occurrences = new Map<string, number>();
  for (let i = 1; i < a.rows.length && i <= MAX_ROWS; i++) {
    if (i % BATCH === 0) await yieldToLoop();
    // Cells right of the last header have no column to go to (a note typed beside the table): not the row's fault.
    const raw = a.rows[i].slice(0, headers.length);
    if (raw.every((c) => c.trim() === "")) continue;
    const sheetRow = a.firstRow + i;
    // Sheets leaves out a row's trailing empty cells: they are empty, not missing.
    const cells = raw.length < headers.length ? [...raw, ...Array<string>(headers.length - raw.length).fill("")] : raw;
    const v = validateRow(cells, { headers, mapping: fields, defaultCountry: a.defaultCountry });
    if (!v.ok) {
      errors.push(`Row ${sheetRow}: ${v.reason}`);
      continue;
    }
    const fp = rowFingerprint(v.row);
    const n = occurrences.get(fp) ?? 0;
    occurrences.set(fp, n + 1);
    candidates.push({ ref: `row:${fp}:${n}`, sheetRow, name: v.row.name, phone: v.row.phone, email: v.row.email, extra: v.row.extra });
  }
  return { headers, candidates, errors, missing };
}

function summarise(errors: string[], notes: string[]): string | null {
  const shown = errors.slice(0, ROW_ERRORS_SHOWN).map((e) => (e.length > 240 ? `${e.slice(0, 237)}…` : e));
  const more = errors.length - shown.length;
  const parts = [...notes, ...shown];
  if (more > 0) parts.push(`and ${more.toLocaleString("en")} more ${more === 1 ? "row" : "rows"} with errors`);
  return parts.length ? parts.join("; ") : null;
}

/**
 * Poll one source now: read, import what is new, record the outcome. Never
 * throws for a failed read: the failure is the source's `last_error`, and it
 * backs off.
 */
export async function pollSheetSource(db: Db, source: SheetSource, opts: { now?: Date; rootUrl?: string } = {}): Promise<PollResult> {
  const now = opts.now ?? new Date();
  try {
    const key = await loadServiceAccountKey(db);
    if (!key) throw new SheetsReadError("no_key", "No service-account key is set: add one on the Google Sheets page.");
    const read = await readSheetValues({ key, spreadsheetId: source.spreadsheetId, range: source.range, rootUrl: opts.rootUrl ?? getEnv().googleSheetsRootUrl });
    const mapping = source.columnMapping as Record<string, SheetField>;
    const d = await decideRows({ rows: read.rows, firstRow: firstRowOf(read.range), mapping, defaultCountry: source.defaultCountry });
    if (d.headers.every((h) => h === "")) throw new SheetsReadError("bad_range", `The first row of ${source.range} is empty: it must name the columns.`);
    // A row is known by its name, phone and email: without one of their columns every row would look new and be
    // imported again. The poll stops until the mapping is fixed; a missing extra column is only a note.
    const keyColumns = Object.entries(mapping).filter(([h, f]) => (f === "name" || f === "phone" || f === "email") && d.missing.includes(h));
    if (keyColumns.length) {
      throw new SheetsReadError("bad_range", `The sheet has no column ${keyColumns.map(([h]) => `“${h}”`).join(" or ")} any more: edit the source's mapping.`);
    }
    const notes: string[] = [];
    if (d.missing.length) notes.push(`Columns not found in the sheet: ${d.missing.map((h) => `“${h}”`).join(", ")}`);
    if (read.rows.length - 1 > MAX_ROWS) notes.push(`Only the first ${MAX_ROWS.toLocaleString("en")} rows are read: narrow the range`);
    const imported = await importCandidates(db, source, d.candidates, now);
    const lastError = summarise(d.errors, notes);
    await db
      .update(sheetSources)
      .set({
        lastPolledAt: now,
        headers: d.headers,
        lastRow: Math.max(0, Math.min(read.rows.length - 1, MAX_ROWS)),
        lastError,
        lastErrorAt: lastError ? now : null,
        consecutiveFailures: 0,
        nextPollAt: new Date(now.getTime() + source.pollIntervalSec * 1000),
        updatedAt: now,
      })
      .where(eq(sheetSources.id, source.id));
    return { sourceId: source.id, ok: true, imported, rowErrors: d.errors.length, rows: d.candidates.length + d.errors.length };
  } catch (err) {
    if (!isSheetsReadError(err)) logger.error({ err, sheetSourceId: source.id }, "sheet poll failed");
    const failures = source.consecutiveFailures + 1;
    const retryAfter = isSheetsReadError(err) ? err.retryAfterMs : null;
    const wait = retryAfter !== null ? Math.min(Math.max(retryAfter, source.pollIntervalSec * 1000), MAX_RETRY_AFTER_MS) : backoffMs(source.pollIntervalSec, failures);
    const message = isSheetsReadError(err) ? err.message : "The poll stopped on an unexpected error; it is retried. The server log has the details.";
    await db
      .update(sheetSources)
      .set({ lastPolledAt: now, lastError: message, lastErrorAt: now, consecutiveFailures: failures, nextPollAt: new Date(now.getTime() + wait), updatedAt: now })
      .where(eq(sheetSources.id, source.id));
    return { sourceId: source.id, ok: false, error: message, retryInMs: wait };
  }
}

/**
 * Insert the candidates this source hasn't imported yet, in one transaction
 * with the source's count and the audit row. The unique key
 * (source, sheet_source_id, external_ref) makes a lost race a no-op.
 */
async function importCandidates(db: Db, source: SheetSource, candidates: Candidate[], now: Date): Promise<number> {
  const fresh: Candidate[] = [];
  const ofSource = and(eq(leads.source, "sheet"), eq(leads.sheetSourceId, source.id));
  for (let i = 0; i < candidates.length; i += BATCH) {
    const slice = candidates.slice(i, i + BATCH);
    const have = await db
      .select({ ref: leads.externalRef })
      .from(leads)
      .where(and(ofSource, inArray(leads.externalRef, slice.map((c) => c.ref))));
    const known = new Set(have.map((h) => h.ref));
    const unseen = slice.filter((c) => !known.has(c.ref));
    // A row whose key is new but whose phone or email this source already imported is that lead again, re-keyed
    // by a changed mapping or country (which re-reads name, phone and email): never a second copy of it.
    const phones = [...new Set(unseen.map((c) => c.phone).filter(Boolean))];
    const emails = [...new Set(unseen.map((c) => c.email.toLowerCase()).filter(Boolean))];
    const taken =
      phones.length || emails.length
        ? await db
            .select({ phone: leads.phone, email: sql<string>`lower(${leads.email})` })
            .from(leads)
            .where(
              and(
                ofSource,
                or(
                  phones.length ? inArray(leads.phone, phones) : sql`false`,
                  emails.length ? inArray(sql`lower(${leads.email})`, emails) : sql`false`,
                ),
              ),
            )
        : [];
    const takenPhones = new Set(taken.map((t) => t.phone).filter(Boolean));
    const takenEmails = new Set(taken.map((t) => t.email).filter(Boolean));
    for (const c of unseen) {
      if ((c.phone && takenPhones.has(c.phone)) || (c.email && takenEmails.has(c.email.toLowerCase()))) continue;
      fresh.push(c);
    }
    await yieldToLoop();
  }
  if (fresh.length === 0) return 0;
  const ctx = systemCtx(db, "sheet-poller", now);
  return withTransaction(ctx, async (tx) => {
    let inserted = 0;
    for (let i = 0; i < fresh.length; i += BATCH) {
      const rows = await tx.db
        .insert(leads)
        .values(
          fresh.slice(i, i + BATCH).map((c) => ({
            source: "sheet" as const,
            projectId: source.projectId,
            sheetSourceId: source.id,
            externalRef: c.ref,
            name: c.name,
            phone: c.phone,
            email: c.email,
            extra: c.extra,
            createdAt: now,
            updatedAt: now,
          })),
        )
        .onConflictDoNothing({ target: [leads.source, leads.sheetSourceId, leads.externalRef] })
        .returning({ id: leads.id });
      inserted += rows.length;
      await yieldToLoop();
    }
    if (inserted > 0) {
      await tx.db
        .update(sheetSources)
        .set({ rowsImported: sql`${sheetSources.rowsImported} + ${inserted}` })
        .where(eq(sheetSources.id, source.id));
      await audit(tx, "sheet_source.import", { type: "sheet_source", id: source.id }, { imported: inserted, projectId: source.projectId });
    }
    return inserted;
  });
}

/** The due sources (enabled, next poll reached), soonest first, a tick's worth. */
export async function dueSheetSources(db: Db, now: Date, limit = SOURCES_PER_TICK): Promise<SheetSource[]> {
  return db
    .select()
    .from(sheetSources)
    .where(and(eq(sheetSources.enabled, true), or(isNull(sheetSources.nextPollAt), lte(sheetSources.nextPollAt, now))))
    .orderBy(sql`${sheetSources.nextPollAt} asc nulls first`, asc(sheetSources.id))
    .limit(limit);
}

/** One tick: poll the due sources one after another. Tests call it with a fixed `now` and their fake server's URL. */
export async function sweepSheetSources(db: Db, opts: { now?: Date; rootUrl?: string } = {}): Promise<PollResult[]> {
  const now = opts.now ?? new Date();
  const out: PollResult[] = [];
  for (const s of await dueSheetSources(db, now)) out.push(await pollSheetSource(db, s, { now, rootUrl: opts.rootUrl }));
  return out;
}

export function sheetSourceJobs(db: Db) {
  return [{ name: "sheet-sources", everyMs: POLL_EVERY_MS, run: (now: Date) => sweepSheetSources(db, { now }) }];
}

/**
 * The lead import job: reads a queued import's file once, streaming, and
 * decides every row — rejected (with its reason, into the rejected-rows CSV),
 * a duplicate skipped or merged, or a new lead. Accepted rows are staged in
 * lead_import_rows in small transactions (the event loop and the database
 * stay free between batches), then ONE transaction turns the staging rows
 * into leads. A malformed file fails before that transaction: nothing is
 * half-imported. Memory is bounded by one batch, whatever the file's size.
 */
import fs from "node:fs";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { and, asc, eq, gt, inArray, isNull, lt, or, sql, type Column, type SQLWrapper } from "drizzle-orm";
import type { Db } from "../../db/client";
import { leadImportRows, leadImports, leads, type ImportColumnField } from "../../db/schema";
import { audit } from "../audit";
import { checkEmail, isCountryCode, NAME_MAX, normalizePhone } from "../chat/contact";
import { systemCtx, withTransaction } from "../ctx";
import { logger } from "../logger";
import { EXTRA_LIMITS } from "./web-leads";
import { csvLine, csvParser, describeCsvError, importPath, recordStartLine, type CsvRecord, type Delimiter, type ParseTrack } from "./csv-import-file";

export const IMPORT_BATCH = 500;
/** Staged rows turned into leads per statement of the final transaction. */
const FINISH_SLICE = 1_000;
/** A running import that has not reported progress for this long was cut off (a restart): it starts over. */
export const STALE_RUNNING_MS = 2 * 60_000;

type LeadImport = typeof leadImports.$inferSelect;

export type ValidRow = { line: number; name: string; phone: string; email: string; emailKey: string; extra: Record<string, string> };

/**
 * One data row by the import's mapping: an E.164 phone by the default
 * country's rules (or its own + prefix), a valid email, at least one of them;
 * a row with more or fewer cells than the header is rejected, not guessed at.
 */
export function validateRow(
  cells: string[],
  a: { headers: string[]; mapping: ImportColumnField[]; defaultCountry: string | null },
): { ok: true; row: Omit<ValidRow, "line"> } | { ok: false; reason: string } {
  if (cells.length !== a.headers.length) {
    return { ok: false, reason: `The row has ${cells.length} ${cells.length === 1 ? "column" : "columns"}; the header has ${a.headers.length}.` };
  }
  let name = "";
  let rawPhone = "";
  let email = "";
  const extra: Record<string, string> = {};
  const reasons: string[] = [];
  a.mapping.forEach((field, i) => {
    const value = cells[i].trim();
    if (field === "name") name = value;
    else if (field === "phone") rawPhone = value;
    else if (field === "email") email = value;
    else if (field === "extra" && value !== "") {
      if (value.length > EXTRA_LIMITS.value) reasons.push(`${a.headers[i]}: longer than ${EXTRA_LIMITS.value} characters.`);
      else extra[a.headers[i]] = value;
    }
  });
  if (name.length > NAME_MAX) reasons.push(`Name: longer than ${NAME_MAX} characters.`);
  let phone = "";
  if (rawPhone) {
    const country = isCountryCode(a.defaultCountry) ? a.defaultCountry : null;
    const p = normalizePhone(rawPhone, country);
    if (p.ok) phone = p.e164;
    else reasons.push(`Phone "${rawPhone.slice(0, 40)}": ${p.error === "Choose your country, or start the number with +." ? "no country code (start it with +, or choose a default country)." : p.error}`);
  }
  if (email) {
    const e = checkEmail(email);
    if (e) reasons.push(`Email "${email.slice(0, 80)}": not a valid email address.`);
  }
  if (!rawPhone && !email) reasons.push("No phone number or email address.");
  if (reasons.length) return { ok: false, reason: reasons.join(" ") };
  return { ok: true, row: { name, phone, email, emailKey: email.toLowerCase(), extra } };
}

type Staged = typeof leadImportRows.$inferInsert & { extra: Record<string, string> };
type Counts = { total: number; imported: number; merged: number; skipped: number; rejected: number };

/** Fold a duplicate into what is staged for it: blanks filled, extra data added (a later row's value wins). */
function fold(s: Staged, r: ValidRow) {
  s.name ||= r.name;
  s.phone ||= r.phone;
  if (!s.email) {
    s.email = r.email;
    s.emailKey = r.emailKey;
  }
  s.extra = { ...s.extra, ...r.extra };
}

/**
 * Decide one batch of valid rows against the project's leads and the rows
 * staged by earlier batches (same phone, or same email in any case), then
 * stage what it decided. Lookups go by index; only the batch is in memory.
 */
async function stageBatch(db: Db, imp: LeadImport, rows: ValidRow[], counts: Counts) {
  const projectId = imp.projectId!;
  const phones = [...new Set(rows.map((r) => r.phone).filter(Boolean))];
  const emails = [...new Set(rows.map((r) => r.emailKey).filter(Boolean))];
  const keyMatch = (phoneCol: SQLWrapper, emailCol: SQLWrapper) =>
    or(phones.length ? inArray(phoneCol as Column, phones) : undefined, emails.length ? inArray(emailCol as Column, emails) : undefined);
  const hits = await db
    .select({ id: leads.id, phone: leads.phone, email: sql<string>`lower(${leads.email})` })
    .from(leads)
    .where(and(eq(leads.projectId, projectId), keyMatch(leads.phone, sql`lower(${leads.email})`)))
    .orderBy(asc(leads.id));
  const leadByPhone = new Map<string, number>();
  const leadByEmail = new Map<string, number>();
  for (const h of hits) {
    if (h.phone && !leadByPhone.has(h.phone)) leadByPhone.set(h.phone, h.id);
    if (h.email && !leadByEmail.has(h.email)) leadByEmail.set(h.email, h.id);
  }
  const leadIds = hits.map((h) => h.id);
  const staged = (await db
    .select()
    .from(leadImportRows)
    .where(
      and(
        eq(leadImportRows.importId, imp.id),
        or(keyMatch(leadImportRows.phone, leadImportRows.emailKey), leadIds.length ? inArray(leadImportRows.targetLeadId, leadIds) : undefined),
      ),
    )) as Staged[];
  const byTarget = new Map<number, Staged>();
  // Every staged row by its keys: a merge may have given an existing lead a phone or email it hasn't got yet in `leads`.
  const stagedByPhone = new Map<string, Staged>();
  const stagedByEmail = new Map<string, Staged>();
  const index = (s: Staged) => {
    if (s.targetLeadId != null) byTarget.set(s.targetLeadId, s);
    if (s.phone && !stagedByPhone.has(s.phone)) stagedByPhone.set(s.phone, s);
    if (s.emailKey && !stagedByEmail.has(s.emailKey)) stagedByEmail.set(s.emailKey, s);
  };
  staged.sort((a, b) => a.line - b.line).forEach(index);

  const dirty = new Set<Staged>();
  for (const r of rows) {
    const leadId = (r.phone && leadByPhone.get(r.phone)) || (r.emailKey && leadByEmail.get(r.emailKey)) || null;
    const earlier = (leadId ? byTarget.get(leadId) : (r.phone && stagedByPhone.get(r.phone)) || (r.emailKey && stagedByEmail.get(r.emailKey))) || null;
    if (leadId || earlier) {
      if (imp.duplicates === "skip") {
        counts.skipped++;
        continue;
      }
      const s = earlier ?? { importId: imp.id, line: r.line, targetLeadId: leadId, name: "", phone: "", email: "", emailKey: "", extra: {} };
      fold(s, r);
      index(s);
      dirty.add(s);
      counts.merged++;
      continue;
    }
    const s: Staged = { importId: imp.id, line: r.line, targetLeadId: null, name: r.name, phone: r.phone, email: r.email, emailKey: r.emailKey, extra: r.extra };
    index(s);
    dirty.add(s);
    counts.imported++;
  }
  if (dirty.size === 0) return;
  await db
    .insert(leadImportRows)
    .values([...dirty])
    .onConflictDoUpdate({
      target: [leadImportRows.importId, leadImportRows.line],
      set: {
        name: sql`excluded.name`,
        phone: sql`excluded.phone`,
        email: sql`excluded.email`,
        emailKey: sql`excluded.email_key`,
        extra: sql`excluded.extra`,
      },
    });
}

/** Appends rejected rows to the import's rejected-rows CSV, opened on the first one. */
function rejectedWriter(imp: LeadImport) {
  const name = imp.storedName.replace(/\.csv$/, "-rejected.csv");
  let out: fs.WriteStream | null = null;
  return {
    name,
    get used() {
      return out !== null;
    },
    async write(line: number, reason: string, cells: string[]) {
      if (!out) {
        out = fs.createWriteStream(importPath(name), { mode: 0o600 });
        out.write(csvLine(["Line", "Reason", ...imp.headers]));
      }
      if (!out.write(csvLine([String(line), reason, ...cells]))) await new Promise<void>((r) => out!.once("drain", () => r()));
    },
    async close() {
      const o = out;
      if (o) await new Promise<void>((resolve) => o.end(() => resolve()));
    },
    async remove() {
      await this.close();
      await fs.promises.rm(importPath(name), { force: true });
    },
  };
}

class FatalCsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * Run one claimed import to its end (done, or failed with the line). Called
 * by the job on the sweeper leader; tests call it directly.
 */
export async function runLeadImport(db: Db, imp: LeadImport): Promise<LeadImport> {
  await dropStagedRows(db, imp.id);
  const counts: Counts = { total: 0, imported: 0, merged: 0, skipped: 0, rejected: 0 };
  const rejected = rejectedWriter(imp);
  const mapping = imp.mapping ?? [];
  const opts = { headers: imp.headers, mapping, defaultCountry: imp.defaultCountry };
  const input = fs.createReadStream(importPath(imp.storedName));
  const track: ParseTrack = { lastLine: 0 };
  const parser = input.pipe(csvParser(imp.delimiter as Delimiter, { track }));
  let batch: ValidRow[] = [];
  let bytes = 0;
  let header = true;
  const flush = async () => {
    if (batch.length) await stageBatch(db, imp, batch, counts);
    batch = [];
    await db
      .update(leadImports)
      .set({ bytesRead: bytes, totalRows: counts.total, imported: counts.imported, merged: counts.merged, skipped: counts.skipped, rejected: counts.rejected, updatedAt: new Date() })
      .where(eq(leadImports.id, imp.id));
    // Let sockets and requests through between batches.
    await yieldToLoop();
  };
  try {
    try {
      for await (const r of parser as AsyncIterable<CsvRecord>) {
        const line = recordStartLine(r);
        bytes = r.info.bytes;
        if (header) {
          header = false;
          continue;
        }
        counts.total++;
        const v = validateRow(r.record, opts);
        if (v.ok) batch.push({ line, ...v.row });
        else {
          counts.rejected++;
          await rejected.write(line, v.reason, r.record);
        }
        if (batch.length >= IMPORT_BATCH || (counts.total % IMPORT_BATCH === 0 && counts.total > 0)) await flush();
      }
    } catch (err) {
      if (err instanceof FatalCsvError) throw err;
      if ((err as { code?: string }).code?.startsWith?.("CSV_") || (err as { code?: string }).code?.startsWith?.("INVALID_")) {
        const { message, line } = describeCsvError(err, track.lastLine);
        throw new FatalCsvError(message, line);
      }
      throw err;
    }
    bytes = imp.sizeBytes;
    await flush();
    await rejected.close();
    const finished = await finishImport(db, imp, counts, rejected.used ? rejected.name : null);
    await dropStagedRows(db, imp.id);
    return finished;
  } catch (err) {
    input.destroy();
    await rejected.remove();
    await dropStagedRows(db, imp.id);
    const fatal = err instanceof FatalCsvError;
    if (!fatal) logger.error({ err, importId: imp.id }, "lead import failed");
    const [row] = await db
      .update(leadImports)
      .set({
        status: "failed",
        error: fatal ? err.message : "The import stopped on an unexpected error; nothing was imported. Try again, or ask an administrator to look at the server log.",
        errorLine: fatal ? err.line : null,
        imported: 0,
        merged: 0,
        skipped: 0,
        rejected: 0,
        totalRows: counts.total,
        finishedAt: new Date(),
        updatedAt: new Date(),
      })
      .where(eq(leadImports.id, imp.id))
      .returning();
    return row;
  }
}

/** Empty an import's staging rows in slices (after its end, they are only garbage), yielding between them. */
async function dropStagedRows(db: Db, importId: number) {
  for (;;) {
    const slice = db.select({ line: leadImportRows.line }).from(leadImportRows).where(eq(leadImportRows.importId, importId)).orderBy(asc(leadImportRows.line)).limit(FINISH_SLICE);
    const gone = await db
      .delete(leadImportRows)
      .where(and(eq(leadImportRows.importId, importId), inArray(leadImportRows.line, slice)))
      .returning({ line: leadImportRows.line });
    const n = gone.length;
    if (!n) return;
    await yieldToLoop();
  }
}

/** The one transaction: staged rows become leads (or merge into theirs), the counts and the audit row commit with them. */
async function finishImport(db: Db, imp: LeadImport, counts: Counts, rejectedName: string | null): Promise<LeadImport> {
  const now = new Date();
  const ctx = systemCtx(db, "lead-import", now);
  return withTransaction(ctx, async (tx) => {
    // In slices by line, yielding between them: PGlite runs on this thread, and one 100,000-row
    // statement would hold the event loop (sockets, pings) for over a second.
    for (let after = 0; ; ) {
      const [edge] = await tx.db
        .select({ line: leadImportRows.line })
        .from(leadImportRows)
        .where(and(eq(leadImportRows.importId, imp.id), isNull(leadImportRows.targetLeadId), gt(leadImportRows.line, after)))
        .orderBy(asc(leadImportRows.line))
        .offset(FINISH_SLICE - 1)
        .limit(1);
      const upTo = edge?.line ?? Number.MAX_SAFE_INTEGER;
      await tx.db.execute(sql`
        insert into leads (source, project_id, external_ref, name, phone, email, extra, created_at, updated_at)
        select 'csv', ${imp.projectId}, 'import:' || ${imp.id}::text || ':' || s.line::text, s.name, s.phone, s.email, s.extra, ${now}, ${now}
        from lead_import_rows s
        where s.import_id = ${imp.id} and s.target_lead_id is null and s.line > ${after} and s.line <= ${Math.min(upTo, 2_147_483_647)}
        order by s.line`);
      if (!edge) break;
      after = edge.line;
      await yieldToLoop();
    }
    await tx.db.execute(sql`
      update leads l set
        name = case when l.name = '' then s.name else l.name end,
        phone = case when l.phone = '' then s.phone else l.phone end,
        email = case when l.email = '' then s.email else l.email end,
        extra = l.extra || s.extra,
        updated_at = ${now}
      from lead_import_rows s where s.import_id = ${imp.id} and s.target_lead_id = l.id`);
    const [row] = await tx.db
      .update(leadImports)
      .set({
        status: "done",
        bytesRead: imp.sizeBytes,
        totalRows: counts.total,
        imported: counts.imported,
        merged: counts.merged,
        skipped: counts.skipped,
        rejected: counts.rejected,
        rejectedName,
        finishedAt: now,
        updatedAt: now,
      })
      .where(eq(leadImports.id, imp.id))
      .returning();
    await audit(tx, "lead_import.finish", { type: "lead_import", id: imp.id }, { ...counts, projectId: imp.projectId });
    return row;
  });
}

/**
 * Take the oldest queued import (or one a restart cut off) and mark it
 * running. One at a time: the scheduler never overlaps a job with itself,
 * and only the sweeper leader runs it.
 */
export async function claimNextImport(db: Db, now = new Date()): Promise<LeadImport | null> {
  const [next] = await db
    .select({ id: leadImports.id })
    .from(leadImports)
    .where(or(eq(leadImports.status, "queued"), and(eq(leadImports.status, "running"), lt(leadImports.updatedAt, new Date(now.getTime() - STALE_RUNNING_MS)))))
    .orderBy(asc(leadImports.id))
    .limit(1);
  if (!next) return null;
  const [row] = await db
    .update(leadImports)
    .set({ status: "running", startedAt: now, updatedAt: now, bytesRead: 0 })
    .where(eq(leadImports.id, next.id))
    .returning();
  return row ?? null;
}

/** The scheduler job: run queued imports until none is left. */
export async function sweepLeadImports(db: Db): Promise<number> {
  let n = 0;
  for (let imp = await claimNextImport(db); imp; imp = await claimNextImport(db)) {
    await runLeadImport(db, imp);
    n++;
  }
  return n;
}

/** An upload nobody mapped and started for this long is given up: its file is removed. */
export const ABANDONED_UPLOAD_MS = 24 * 3600_000;

/**
 * Uploads left at the preview (the uploader closed the tab) would keep their
 * files for ever: after a day the file goes and the import says why. The
 * row stays, so the uploader's history tells the truth.
 */
export async function sweepAbandonedUploads(db: Db, now = new Date()): Promise<number> {
  const stale = await db
    .update(leadImports)
    .set({ status: "failed", error: "This upload was never started; its file was removed after 24 hours. Upload it again to import it.", updatedAt: now })
    .where(and(eq(leadImports.status, "uploaded"), lt(leadImports.updatedAt, new Date(now.getTime() - ABANDONED_UPLOAD_MS))))
    .returning({ storedName: leadImports.storedName });
  for (const { storedName } of stale) await fs.promises.rm(importPath(storedName), { force: true });
  return stale.length;
}

export function leadImportJobs(db: Db) {
  return [
    { name: "lead-imports", everyMs: 1_000, run: () => sweepLeadImports(db) },
    { name: "lead-uploads-abandoned", everyMs: 60 * 60_000, run: (now: Date) => sweepAbandonedUploads(db, now) },
  ];
}

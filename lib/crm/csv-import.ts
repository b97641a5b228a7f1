/**
 * CSV upload of leads (admin, manager: `crm.import`): upload → preview →
 * mapping → a background job (lib/crm/csv-import-job.ts) → truthful counts
 * and a CSV of the rejected rows.
 */
import fs from "node:fs";
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { leadImports, projects, type ImportColumnField } from "../../db/schema";
import { audit } from "../audit";
import { assertCan } from "../auth/permissions";
import { isCountryCode } from "../chat/contact";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { DbId } from "../validation";
import { effects, type VerbResult } from "../verb";
import { importPath, sniffCsv, storeUpload } from "./csv-import-file";

type LeadImport = typeof leadImports.$inferSelect;

export const IMPORT_FIELDS = ["name", "phone", "email", "extra", "ignore"] as const satisfies readonly ImportColumnField[];

export type LeadImportDTO = {
  id: number;
  fileName: string;
  sizeBytes: number;
  delimiter: string;
  headers: string[];
  preview: string[][];
  status: LeadImport["status"];
  projectId: number | null;
  mapping: ImportColumnField[] | null;
  defaultCountry: string | null;
  duplicates: "skip" | "merge";
  /** 0–100 while running (by bytes read), 100 when done. */
  progress: number;
  counts: { total: number; imported: number; merged: number; skipped: number; rejected: number };
  error: string | null;
  errorLine: number | null;
  hasRejectedFile: boolean;
  createdAt: string;
  finishedAt: string | null;
};

export function toImportDTO(r: LeadImport): LeadImportDTO {
  return {
    id: r.id,
    fileName: r.fileName,
    sizeBytes: r.sizeBytes,
    delimiter: r.delimiter,
    headers: r.headers,
    preview: r.preview,
    status: r.status,
    projectId: r.projectId,
    mapping: r.mapping,
    defaultCountry: r.defaultCountry,
    duplicates: r.duplicates,
    progress: r.status === "done" ? 100 : r.sizeBytes > 0 ? Math.min(99, Math.floor((r.bytesRead / r.sizeBytes) * 100)) : 0,
    counts: { total: r.totalRows, imported: r.imported, merged: r.merged, skipped: r.skipped, rejected: r.rejected },
    error: r.error,
    errorLine: r.errorLine,
    hasRejectedFile: r.status === "done" && r.rejectedName !== null,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

/** What the upload form offers: the projects, and the uploader's choices of last time. */
export type ImportOptions = {
  projects: { id: number; title: string; isDefault: boolean }[];
  last: { projectId: number | null; defaultCountry: string | null; duplicates: "skip" | "merge"; fieldsByHeader: Record<string, ImportColumnField> } | null;
};

async function lastChoices(ctx: StaffCtx): Promise<ImportOptions["last"]> {
  const [last] = await ctx.db
    .select()
    .from(leadImports)
    .where(and(eq(leadImports.uploaderId, ctx.actor.userId), inArray(leadImports.status, ["queued", "running", "done", "failed"])))
    .orderBy(desc(leadImports.id))
    .limit(1);
  if (!last?.mapping) return null;
  const fieldsByHeader: Record<string, ImportColumnField> = {};
  last.headers.forEach((h, i) => {
    const f = last.mapping![i];
    if (f) fieldsByHeader[h.toLowerCase()] = f;
  });
  return { projectId: last.projectId, defaultCountry: last.defaultCountry, duplicates: last.duplicates, fieldsByHeader };
}

/** The upload form's choices (projects, and what this uploader chose last time). */
export async function getImportOptions({ ctx }: { ctx: StaffCtx }): Promise<ImportOptions> {
  assertCan(ctx.actor, "crm.import");
  const list = await ctx.db
    .select({ id: projects.id, title: projects.title, isDefault: projects.isDefault })
    .from(projects)
    .orderBy(desc(projects.isDefault), asc(projects.title))
    .limit(500);
  return { projects: list, last: await lastChoices(ctx) };
}

export const UploadInput = z.object({
  fileName: z
    .string()
    .trim()
    .min(1, "Give the file's name.")
    .max(255, "Use a file name of at most 255 characters.")
    .transform((s) => s.replace(/[\u0000-\u001f\u007f/\\]/g, "_")),
});

/**
 * Store an uploaded CSV (streamed to disk, checked to be UTF-8 text) and read
 * its header and first rows. Nothing is imported yet; the import row waits
 * in `uploaded` for the mapping.
 */
export async function uploadLeadImport(a: { ctx: StaffCtx; input: unknown; body: ReadableStream<Uint8Array> | null }): Promise<VerbResult<LeadImportDTO>> {
  const { ctx } = a;
  assertCan(ctx.actor, "crm.import");
  const input = UploadInput.parse(a.input);
  const { storedName, size } = await storeUpload(a.body);
  try {
    const sniff = await sniffCsv(importPath(storedName));
    const [row] = await ctx.db
      .insert(leadImports)
      .values({
        uploaderId: ctx.actor.userId,
        fileName: input.fileName,
        storedName,
        sizeBytes: size,
        delimiter: sniff.delimiter,
        headers: sniff.headers,
        preview: sniff.preview,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    return { result: toImportDTO(row), effects: effects() };
  } catch (err) {
    await fs.promises.rm(importPath(storedName), { force: true });
    throw err;
  }
}

export const StartImportInput = z.object({
  importId: DbId,
  projectId: DbId,
  mapping: z.array(z.enum(IMPORT_FIELDS)).min(1).max(200),
  defaultCountry: z
    .string()
    .nullish()
    .transform((v) => v || null)
    .refine((v) => v === null || isCountryCode(v), "Choose a country from the list."),
  duplicates: z.enum(["skip", "merge"]),
});

/**
 * The uploader's mapping, default country and duplicates policy: the import
 * is queued for the job. Only an import still waiting for its mapping starts.
 */
export async function startLeadImport({ ctx, input: raw }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<LeadImportDTO>> {
  assertCan(ctx.actor, "crm.import");
  const input = StartImportInput.parse(raw);
  const result = await withTransaction(ctx, async (tx) => {
    const imp = await getImportOrThrow(tx, input.importId);
    if (imp.status !== "uploaded") throw new AppError("conflict", "This import has already started.");
    if (input.mapping.length !== imp.headers.length) {
      throw new AppError("bad_request", "Map every column of the file.", { details: { fields: { mapping: `The file has ${imp.headers.length} columns.` } } });
    }
    const fields: Record<string, string> = {};
    for (const f of ["name", "phone", "email"] as const) {
      if (input.mapping.filter((m) => m === f).length > 1) fields[`mapping`] = `Map at most one column to ${f}.`;
    }
    if (!input.mapping.includes("phone") && !input.mapping.includes("email")) fields.mapping = "Map a column to phone or to email: a lead needs one of them.";
    if (Object.keys(fields).length) throw new AppError("bad_request", fields.mapping, { details: { fields } });
    const [project] = await tx.db.select({ id: projects.id }).from(projects).where(eq(projects.id, input.projectId));
    if (!project) throw new AppError("bad_request", "Choose a project.", { details: { fields: { projectId: "No such project." } } });
    const [row] = await tx.db
      .update(leadImports)
      .set({
        projectId: input.projectId,
        mapping: input.mapping,
        defaultCountry: input.defaultCountry,
        duplicates: input.duplicates,
        status: "queued",
        updatedAt: ctx.now,
      })
      .where(and(eq(leadImports.id, imp.id), eq(leadImports.status, "uploaded")))
      .returning();
    if (!row) throw new AppError("conflict", "This import has already started.");
    await audit(tx, "lead_import.start", { type: "lead_import", id: row.id }, { fileName: row.fileName, projectId: row.projectId, duplicates: row.duplicates });
    return toImportDTO(row);
  });
  return { result, effects: effects() };
}

async function getImportOrThrow(ctx: { db: StaffCtx["db"] }, id: number): Promise<LeadImport> {
  const [row] = await ctx.db.select().from(leadImports).where(eq(leadImports.id, id));
  if (!row) throw new AppError("not_found", "No such import.");
  return row;
}

/** An import's state and counts (polled while it runs). */
export async function getLeadImport({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<LeadImportDTO> {
  assertCan(ctx.actor, "crm.import");
  const id = DbId.parse(input);
  return toImportDTO(await getImportOrThrow(ctx, id));
}

/** The rejected rows' CSV of a finished import: its path and a download name. */
export async function getRejectedRowsFile({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<{ path: string; downloadName: string }> {
  assertCan(ctx.actor, "crm.import");
  const imp = await getImportOrThrow(ctx, DbId.parse(input));
  if (imp.status !== "done" || !imp.rejectedName) throw new AppError("not_found", "This import rejected no rows.");
  const base = imp.fileName.replace(/\.csv$/i, "").replace(/[^\w.\- ]+/g, "_").slice(0, 100) || "import";
  return { path: importPath(imp.rejectedName), downloadName: `${base}-rejected-rows.csv` };
}

/**
 * Google Sheets lead sources (admin only: `crm.sheets`): which sheet and
 * range, into which project, how often, and what each header column becomes.
 * The poller (./poller.ts) does the reading; these verbs only configure it.
 */
import { asc, count, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { projects, sheetSources } from "../../../db/schema";
import { audit } from "../../audit";
import { assertCan } from "../../auth/permissions";
import { withTransaction, type StaffCtx } from "../../ctx";
import { isCountryCode } from "../../chat/contact";
import { AppError } from "../../errors";
import { DbId } from "../../validation";
import { effects, type VerbResult } from "../../verb";
import { describeServiceAccount, type ServiceAccountDTO } from "./service-account";
import { parseSpreadsheetId, sheetUrl } from "./sheet-ref";

type SheetSource = typeof sheetSources.$inferSelect;

/** One install polls a handful of sheets; the list is shown whole, and the quota (60 reads a minute) would not carry many more. */
export const MAX_SOURCES = 50;
export const INTERVAL = { min: 30, max: 24 * 60 * 60, default: 60 } as const;
export const DEFAULT_RANGE = "Sheet1!A:Z";
export const SHEET_FIELDS = ["name", "phone", "email", "extra", "ignore"] as const;
export type SheetField = (typeof SHEET_FIELDS)[number];
/** How many headers a mapping may name, and how long one may be. */
const MAPPING_MAX = 200;
const HEADER_MAX = 200;

export type SheetSourceDTO = {
  id: number;
  name: string;
  spreadsheetId: string;
  sheetUrl: string;
  range: string;
  projectId: number | null;
  projectTitle: string | null;
  /** Header text → what its column becomes (headers not named are not imported). */
  mapping: Record<string, SheetField>;
  /** The header row as last read. */
  headers: string[];
  pollIntervalSec: number;
  /** ISO country for phones written without + (null: those are refused). */
  defaultCountry: string | null;
  enabled: boolean;
  lastPolledAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  rowsImported: number;
  consecutiveFailures: number;
  nextPollAt: string | null;
};

export function toSourceDTO(r: SheetSource, projectTitle: string | null): SheetSourceDTO {
  return {
    id: r.id,
    name: r.name,
    spreadsheetId: r.spreadsheetId,
    sheetUrl: sheetUrl(r.spreadsheetId),
    range: r.range,
    projectId: r.projectId,
    projectTitle,
    mapping: r.columnMapping as Record<string, SheetField>,
    headers: r.headers,
    pollIntervalSec: r.pollIntervalSec,
    defaultCountry: r.defaultCountry,
    enabled: r.enabled,
    lastPolledAt: r.lastPolledAt?.toISOString() ?? null,
    lastError: r.lastError,
    lastErrorAt: r.lastErrorAt?.toISOString() ?? null,
    rowsImported: r.rowsImported,
    consecutiveFailures: r.consecutiveFailures,
    nextPollAt: r.nextPollAt?.toISOString() ?? null,
  };
}

export type SheetSourcesPage = {
  items: SheetSourceDTO[];
  serviceAccount: ServiceAccountDTO;
  projects: { id: number; title: string; isDefault: boolean }[];
  limits: { maxSources: number; interval: typeof INTERVAL; defaultRange: string };
};

const Name = z.string().trim().min(1, "Give the source a name.").max(100, "Use at most 100 characters.");
const Sheet = z.string().trim().min(1, "Paste the sheet's address or ID.").max(2000, "That address is too long.");
const Range = z
  .string()
  .trim()
  .min(1, "Give a range, like Sheet1!A:Z.")
  .max(200, "Use a range of at most 200 characters.")
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), "The range has invalid characters.");
const Interval = z.coerce
  .number({ error: "Give the interval in seconds." })
  .int("Give whole seconds.")
  .min(INTERVAL.min, `Poll at most every ${INTERVAL.min} seconds.`)
  .max(INTERVAL.max, "Poll at least once a day (86,400 seconds).");
const Mapping = z
  .record(z.string().trim().min(1).max(HEADER_MAX), z.enum(SHEET_FIELDS))
  .refine((m) => Object.keys(m).length <= MAPPING_MAX, `Map at most ${MAPPING_MAX} columns.`);

/** The country whose rules read a phone without + or 00 (as the CSV import's); null or "" for none. */
const DefaultCountry = z
  .string()
  .trim()
  .toUpperCase()
  .nullable()
  .transform((v) => v || null)
  .refine((v) => v === null || isCountryCode(v), "Choose a country from the list.");

export const CreateSourceInput = z.object({
  name: Name,
  sheet: Sheet,
  range: Range.default(DEFAULT_RANGE),
  projectId: DbId,
  pollIntervalSec: Interval.default(INTERVAL.default),
  defaultCountry: DefaultCountry.default(null),
  mapping: Mapping,
  enabled: z.boolean().default(true),
});

export const UpdateSourceInput = z.object({
  id: DbId,
  name: Name.optional(),
  sheet: Sheet.optional(),
  range: Range.optional(),
  projectId: DbId.optional(),
  pollIntervalSec: Interval.optional(),
  defaultCountry: DefaultCountry.optional(),
  mapping: Mapping.optional(),
  enabled: z.boolean().optional(),
});

/** Only the columns that become something; at most one each of name, phone and email, and phone or email among them. */
function checkMapping(mapping: Record<string, SheetField>): Record<string, SheetField> {
  const kept: Record<string, SheetField> = {};
  for (const [h, f] of Object.entries(mapping)) if (f !== "ignore") kept[h.trim()] = f;
  const fields = Object.values(kept);
  for (const f of ["name", "phone", "email"] as const) {
    if (fields.filter((x) => x === f).length > 1) throw mappingError(`Map at most one column to ${f}.`);
  }
  if (!fields.includes("phone") && !fields.includes("email")) throw mappingError("Map a column to phone or to email: a lead needs one of them.");
  return kept;
}

function mappingError(message: string) {
  return new AppError("bad_request", message, { details: { fields: { mapping: message } } });
}

async function assertProject(ctx: StaffCtx, projectId: number) {
  const [p] = await ctx.db.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId));
  if (!p) throw new AppError("bad_request", "Choose a project.", { details: { fields: { projectId: "No such project." } } });
}

async function projectTitle(ctx: StaffCtx, projectId: number | null): Promise<string | null> {
  if (projectId === null) return null;
  const [p] = await ctx.db.select({ title: projects.title }).from(projects).where(eq(projects.id, projectId));
  return p?.title ?? null;
}

export async function getSourceOrThrow(ctx: { db: StaffCtx["db"] }, id: number): Promise<SheetSource> {
  const [row] = await ctx.db.select().from(sheetSources).where(eq(sheetSources.id, id));
  if (!row) throw new AppError("not_found", "No such Google Sheets source.");
  return row;
}

/** The page: every source (at most MAX_SOURCES), the service account's state, and the projects to pick from. */
export async function listSheetSources({ ctx }: { ctx: StaffCtx }): Promise<SheetSourcesPage> {
  assertCan(ctx.actor, "crm.sheets");
  const rows = await ctx.db
    .select({ s: sheetSources, projectTitle: projects.title })
    .from(sheetSources)
    .leftJoin(projects, eq(projects.id, sheetSources.projectId))
    .orderBy(asc(sheetSources.id))
    .limit(MAX_SOURCES);
  const projectList = await ctx.db
    .select({ id: projects.id, title: projects.title, isDefault: projects.isDefault })
    .from(projects)
    .orderBy(desc(projects.isDefault), asc(projects.title))
    .limit(500);
  return {
    items: rows.map((r) => toSourceDTO(r.s, r.projectTitle)),
    serviceAccount: await describeServiceAccount(ctx.db),
    projects: projectList,
    limits: { maxSources: MAX_SOURCES, interval: INTERVAL, defaultRange: DEFAULT_RANGE },
  };
}

/** Add a source; it is polled at once (on the sweeper's next tick), then every interval. */
export async function createSheetSource({ ctx, input: raw }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<SheetSourceDTO>> {
  assertCan(ctx.actor, "crm.sheets");
  const input = CreateSourceInput.parse(raw);
  const spreadsheetId = parseSpreadsheetId(input.sheet);
  const mapping = checkMapping(input.mapping);
  const result = await withTransaction(ctx, async (tx) => {
    await assertProject(tx, input.projectId);
    const [{ n }] = await tx.db.select({ n: count() }).from(sheetSources);
    if (n >= MAX_SOURCES) throw new AppError("conflict", `An install can poll at most ${MAX_SOURCES} sheets. Remove one first.`);
    const [row] = await tx.db
      .insert(sheetSources)
      .values({
        name: input.name,
        projectId: input.projectId,
        spreadsheetId,
        range: input.range,
        columnMapping: mapping,
        headers: Object.keys(mapping),
        pollIntervalSec: input.pollIntervalSec,
        defaultCountry: input.defaultCountry,
        enabled: input.enabled,
        nextPollAt: ctx.now,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    await audit(tx, "sheet_source.create", { type: "sheet_source", id: row.id }, { name: row.name, spreadsheetId, range: row.range, projectId: row.projectId });
    return toSourceDTO(row, await projectTitle(tx, row.projectId));
  });
  return { result, effects: effects() };
}

/**
 * Change a source. Any change makes it due now and forgets its backoff (the
 * admin may just have fixed what failed). Rows already imported are not
 * imported again: their keys are their contents, not positions, and a row
 * re-keyed by a new mapping or country is known by its phone or email.
 */
export async function updateSheetSource({ ctx, input: raw }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<SheetSourceDTO>> {
  assertCan(ctx.actor, "crm.sheets");
  const input = UpdateSourceInput.parse(raw);
  const spreadsheetId = input.sheet === undefined ? undefined : parseSpreadsheetId(input.sheet);
  const mapping = input.mapping === undefined ? undefined : checkMapping(input.mapping);
  const result = await withTransaction(ctx, async (tx) => {
    const before = await getSourceOrThrow(tx, input.id);
    if (input.projectId !== undefined) await assertProject(tx, input.projectId);
    const moved = (spreadsheetId !== undefined && spreadsheetId !== before.spreadsheetId) || (input.range !== undefined && input.range !== before.range);
    const [row] = await tx.db
      .update(sheetSources)
      .set({
        name: input.name,
        spreadsheetId,
        range: input.range,
        projectId: input.projectId,
        pollIntervalSec: input.pollIntervalSec,
        defaultCountry: input.defaultCountry,
        columnMapping: mapping,
        enabled: input.enabled,
        ...(moved ? { headers: mapping ? Object.keys(mapping) : [] } : {}),
        consecutiveFailures: 0,
        nextPollAt: ctx.now,
        updatedAt: ctx.now,
      })
      .where(eq(sheetSources.id, before.id))
      .returning();
    const changed = Object.keys(input).filter((k) => k !== "id");
    await audit(tx, "sheet_source.update", { type: "sheet_source", id: row.id }, { changed, enabled: row.enabled });
    return toSourceDTO(row, await projectTitle(tx, row.projectId));
  });
  return { result, effects: effects() };
}

/** Remove a source. Its leads stay in the CRM (their link to the source is cleared). */
export async function deleteSheetSource({ ctx, input: raw }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<{ id: number }>> {
  assertCan(ctx.actor, "crm.sheets");
  const id = DbId.parse(raw);
  await withTransaction(ctx, async (tx) => {
    const row = await getSourceOrThrow(tx, id);
    await tx.db.delete(sheetSources).where(eq(sheetSources.id, id));
    await audit(tx, "sheet_source.delete", { type: "sheet_source", id }, { name: row.name, spreadsheetId: row.spreadsheetId, rowsImported: row.rowsImported });
  });
  return { result: { id }, effects: effects() };
}

/** "Poll now": due at once, backoff forgotten. The sweeper reads it on its next tick (seconds), never this request. */
export async function pollSheetSourceNow({ ctx, input: raw }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<SheetSourceDTO>> {
  assertCan(ctx.actor, "crm.sheets");
  const id = DbId.parse(raw);
  const result = await withTransaction(ctx, async (tx) => {
    const before = await getSourceOrThrow(tx, id);
    if (!before.enabled) throw new AppError("conflict", "This source is turned off: turn it on to poll it.");
    const [row] = await tx.db.update(sheetSources).set({ nextPollAt: ctx.now, consecutiveFailures: 0, updatedAt: ctx.now }).where(eq(sheetSources.id, id)).returning();
    await audit(tx, "sheet_source.poll_now", { type: "sheet_source", id }, {});
    return toSourceDTO(row, await projectTitle(tx, row.projectId));
  });
  return { result, effects: effects() };
}

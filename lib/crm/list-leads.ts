import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { rowsOf } from "../../db/raw";
import { LEAD_STAGES, leadSource, type LeadSource, type LeadStage } from "../../db/schema";
import { assertCan, can, holdsSql } from "../auth/permissions";
import { cachedTableTotal } from "../console/cached-total";
import { csvRow } from "../console/csv";
import { keysetCursor, keysetPage, pageFields, seekOrder, seekSql, totalAtLeastShown, type Seek } from "../console/keyset";
import type { StaffCtx } from "../ctx";
import { DbId, DbIdValue } from "../validation";
import { leadScopeSql } from "./lead-access";
import { FOLLOW_UP_FILTERS, NO_ASSIGNEE, type LeadOptions, type LeadRowDTO, type LeadsTablePage } from "./leads-shared";

/** Newest lead first, then id: the cursor is that pair (ms since epoch — the column is ms precision). */
const Cursor = keysetCursor(z.tuple([z.number().int().min(0).max(8_640_000_000_000_000), DbIdValue]));

const Instant = z.iso.datetime({ offset: true, error: "Use an ISO date-time, like 2026-12-01T00:00:00Z." }).transform((s) => new Date(s));

/** A calendar day, YYYY-MM-DD (follow-up dates have no time of day). */
export const Day = z.iso.date({ error: "Use a date like 2026-12-01." });

const Filters = {
  source: z.enum(leadSource.enumValues, { error: "Unknown source: choose chat, web, csv or sheet." }).optional(),
  stage: z.enum(LEAD_STAGES, { error: "Unknown lead stage." }).optional(),
  project: DbId.optional(),
  assignee: z.union([z.literal(NO_ASSIGNEE), DbId], { error: "Unknown assignee." }).optional(),
  /** Created at or after this instant. */
  from: Instant.optional(),
  /** Created before this instant (the midnight after the range's last day). */
  to: Instant.optional(),
  followUp: z.enum(FOLLOW_UP_FILTERS, { error: "Choose due today, overdue or due." }).optional(),
  followFrom: Day.optional(),
  followTo: Day.optional(),
  /** The viewer's today (their time zone decides what "due today" means); the server's UTC date when absent. */
  today: Day.optional(),
  q: z.string().trim().max(100, "Search with at most 100 characters.").optional(),
};

const checkRanges = <T extends { from?: Date; to?: Date; followFrom?: string; followTo?: string }>(s: z.ZodType<T>) =>
  s
    .refine((d) => !d.from || !d.to || d.from < d.to, { path: ["to"], message: "The end of the date range must be after its start." })
    .refine((d) => !d.followFrom || !d.followTo || d.followFrom <= d.followTo, { path: ["followTo"], message: "The follow-up range must end on or after its start." });

export const LeadFiltersInput = checkRanges(z.object(Filters));
export const ListLeadsInput = checkRanges(z.object({ ...Filters, ...pageFields(Cursor) }));

type LeadFilters = z.output<typeof LeadFiltersInput>;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The search: the start of the lead's name, email or phone (digits, the
 * country code first), case-insensitive. Prefixes, not substrings: a
 * substring scans every lead.
 */
function searchSql(q: string): SQL {
  const lower = likeEscape(q.toLowerCase()) + "%";
  const digits = q.replace(/\D/g, "");
  const phone = /^[+\d\s().-]+$/.test(q) && digits.length >= 3 ? sql` or l.phone like ${"+" + digits + "%"}` : sql``;
  return sql`(lower(l.name) like ${lower} or lower(l.email) like ${lower}${phone})`;
}

export const todayOf = (ctx: StaffCtx, f: { today?: string }) => f.today ?? ctx.now.toISOString().slice(0, 10);

function filterSql(ctx: StaffCtx, f: LeadFilters): SQL {
  const where: SQL[] = [leadScopeSql(ctx.actor)];
  if (f.source) where.push(sql`l.source = ${f.source}`);
  if (f.stage) where.push(sql`l.stage = ${f.stage}`);
  if (f.project !== undefined) where.push(sql`l.project_id = ${f.project}`);
  if (f.assignee === NO_ASSIGNEE) where.push(sql`l.assignee_id is null`);
  else if (f.assignee !== undefined) where.push(sql`l.assignee_id = ${f.assignee}`);
  if (f.from) where.push(sql`l.created_at >= ${f.from.toISOString()}::timestamptz`);
  if (f.to) where.push(sql`l.created_at < ${f.to.toISOString()}::timestamptz`);
  const today = todayOf(ctx, f);
  if (f.followUp === "today") where.push(sql`l.follow_up_on = ${today}::date`);
  else if (f.followUp === "overdue") where.push(sql`l.follow_up_on < ${today}::date`);
  else if (f.followUp === "due") where.push(sql`l.follow_up_on <= ${today}::date`);
  if (f.followFrom) where.push(sql`l.follow_up_on >= ${f.followFrom}::date`);
  if (f.followTo) where.push(sql`l.follow_up_on <= ${f.followTo}::date`);
  if (f.q) where.push(searchSql(f.q));
  return sql.join(where, sql` and `);
}

/** The count's cache key: whose scope, and the filters in a fixed order. */
function filterKey(ctx: StaffCtx, f: LeadFilters): string {
  const scope = can(ctx.actor, "crm.view_all") ? "all" : `u${ctx.actor.userId}`;
  const today = f.followUp ? todayOf(ctx, f) : null;
  return JSON.stringify([
    scope,
    f.source ?? null,
    f.stage ?? null,
    f.project ?? null,
    f.assignee ?? null,
    f.from?.getTime() ?? null,
    f.to?.getTime() ?? null,
    f.followUp ?? null,
    today,
    f.followFrom ?? null,
    f.followTo ?? null,
    f.q?.toLowerCase() || null,
  ]);
}

const SORT = [sql`l.created_at`, sql`l.id`];

/** A page (or an export chunk) of leads under `filter`, newest first, with their project and assignee names. */
async function readLeads(db: Db, filter: SQL, seek: Seek<readonly [number, number]> | null, take: number): Promise<Record<string, unknown>[]> {
  const direction = seek?.direction ?? "forward";
  const order = sql.join(seekOrder(SORT, direction, "desc"), sql`, `);
  const after = seek ? sql`and ${seekSql(SORT, { direction, key: [sql`${new Date(seek.key[0]).toISOString()}::timestamptz`, seek.key[1]] }, "desc")}` : sql``;
  return rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select l.id, l.source, l.project_id, l.conversation_id, l.name, l.phone, l.email, l.stage, l.follow_up_on::text as follow_up_on,
             l.final_remark, l.assignee_id, l.created_at, l.updated_at, p.title as project_title, u.display_name as assignee_name
      from (select * from leads l where ${filter} ${after} order by ${order} limit ${take}) l
      left join projects p on p.id = l.project_id
      left join users u on u.id = l.assignee_id
      order by ${order}`),
  );
}

const iso = (v: unknown) => new Date(v as string | Date).toISOString();

export function toLeadRow(r: Record<string, unknown>): LeadRowDTO {
  return {
    id: Number(r.id),
    source: r.source as LeadSource,
    projectId: r.project_id == null ? null : Number(r.project_id),
    projectTitle: r.project_title == null ? null : String(r.project_title),
    conversationId: r.conversation_id == null ? null : Number(r.conversation_id),
    name: String(r.name),
    phone: String(r.phone),
    email: String(r.email),
    stage: r.stage as LeadStage,
    followUpOn: r.follow_up_on == null ? null : String(r.follow_up_on).slice(0, 10),
    finalRemark: String(r.final_remark),
    assigneeId: r.assignee_id == null ? null : Number(r.assignee_id),
    assigneeName: r.assignee_name == null ? null : String(r.assignee_name),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** The filter menus' choices: who may hold leads (crm.edit now), and the projects. */
export async function leadOptions(db: Db): Promise<LeadOptions> {
  const [assignees, projects] = await Promise.all([
    db.execute(sql`select u.id, u.display_name from users u where ${holdsSql("crm.edit", "u")} order by lower(u.display_name), u.id`),
    db.execute(sql`select id, title from projects order by lower(title), id`),
  ]);
  return {
    assignees: rowsOf<Record<string, unknown>>(assignees).map((r) => ({ id: Number(r.id), name: String(r.display_name) })),
    projects: rowsOf<Record<string, unknown>>(projects).map((r) => ({ id: Number(r.id), title: String(r.title) })),
  };
}

/**
 * One page of the CRM's leads table, for the leads the actor may see
 * (lib/crm/lead-access.ts), filtered by source (the tabs), stage, project,
 * assignee, created date range, follow-up (due today / overdue / a range)
 * and a name / phone / email search; keyset-paginated on (created_at, id)
 * both ways. The "of Z" total is counted once per scope and filter set and
 * reused for TABLE_TOTAL_TTL_MS, so it can trail new leads by that long.
 */
export async function listLeads({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<LeadsTablePage> {
  assertCan(ctx.actor, "crm.view");
  const data = ListLeadsInput.parse(input);
  const filter = filterSql(ctx, data);
  const totalP = cachedTableTotal(ctx.db, "leads", filterKey(ctx, data), ctx.now.getTime(), async () => {
    const [{ n }] = rowsOf<{ n: number }>(await ctx.db.execute(sql`select count(*)::int as n from leads l where ${filter}`));
    return Number(n);
  });
  const [page, total, options] = await Promise.all([
    keysetPage({
      page: data,
      encode: Cursor.encode,
      keyOf: (r: Record<string, unknown>) => [new Date(r.created_at as string).getTime(), Number(r.id)] as [number, number],
      total: 0,
      fetch: (seek, take) => readLeads(ctx.db, filter, seek, take),
    }),
    totalP,
    leadOptions(ctx.db),
  ]);
  return { ...page, total: totalAtLeastShown(page, total), items: page.items.map(toLeadRow), options, canEdit: can(ctx.actor, "crm.edit"), canImport: can(ctx.actor, "crm.import") };
}

/** Rows per read while exporting: memory stays bounded whatever the filter matches. */
const EXPORT_CHUNK = 1000;

const EXPORT_COLUMNS: [header: string, value: (r: LeadRowDTO) => unknown][] = [
  ["ID", (r) => r.id],
  ["Created", (r) => r.createdAt],
  ["Source", (r) => r.source],
  ["Project", (r) => r.projectTitle ?? ""],
  ["Name", (r) => r.name],
  ["Phone", (r) => r.phone],
  ["Email", (r) => r.email],
  ["Stage", (r) => r.stage],
  ["Follow-up", (r) => r.followUpOn ?? ""],
  ["Final remark", (r) => r.finalRemark],
  ["Assignee", (r) => r.assigneeName ?? ""],
  ["Chat ID", (r) => r.conversationId ?? ""],
];

/**
 * The leads table's current filter as CSV (RFC 4180, formula-safe — see
 * lib/console/csv.ts), newest first: validated before the first byte, then
 * streamed in keyset chunks of EXPORT_CHUNK rows, so a million leads never
 * sit in memory. Reading stops when the client goes away (cancel).
 */
export function exportLeadsCsv({ ctx, input }: { ctx: StaffCtx; input: unknown }): { filename: string; body: ReadableStream<Uint8Array> } {
  assertCan(ctx.actor, "crm.view");
  const data = LeadFiltersInput.parse(input);
  const filter = filterSql(ctx, data);
  const enc = new TextEncoder();
  let key: readonly [number, number] | null = null;
  let headerSent = false;
  let done = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(enc.encode(csvRow(EXPORT_COLUMNS.map(([h]) => h))));
        return;
      }
      if (done) return;
      try {
        const rows = (await readLeads(ctx.db, filter, key ? { direction: "forward", key } : null, EXPORT_CHUNK)).map(toLeadRow);
        if (rows.length) {
          const last = rows[rows.length - 1];
          key = [new Date(last.createdAt).getTime(), last.id];
          controller.enqueue(enc.encode(rows.map((r) => csvRow(EXPORT_COLUMNS.map(([, v]) => v(r)))).join("")));
        }
        if (rows.length < EXPORT_CHUNK) {
          done = true;
          controller.close();
        }
      } catch (err) {
        controller.error(err);
      }
    },
  });
  return { filename: `leads-${ctx.now.toISOString().slice(0, 10)}.csv`, body };
}

/** One lead as a table row (after a write: the row with its new version). */
export async function loadLeadRow(db: Db, id: number): Promise<LeadRowDTO> {
  const [row] = await readLeads(db, sql`l.id = ${id}`, null, 1);
  return toLeadRow(row);
}

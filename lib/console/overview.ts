import { sql } from "drizzle-orm";
import { z } from "zod";
import { rowsOf, sqlBool } from "../../db/raw";
import { conversationStatus, LEAD_STAGES } from "../../db/schema";
import { OVERVIEW_RANGES, type OverviewDTO, type OverviewRange } from "./overview-types";
import { assertCan } from "../auth/permissions";
import type { StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { findDefaultProject } from "../projects/default-project";
import { loadAgentStatuses } from "../routing/list-agents";

export { OVERVIEW_RANGES, type OverviewDTO, type OverviewRange };

/** A custom range spans at most a year (366 days): the chart has one bar per day. */
export const MAX_RANGE_DAYS = 366;
const RANGE_DAYS: Record<Exclude<OverviewRange, "custom">, number> = { today: 1, "7d": 7, "30d": 30 };

const DAY_MS = 86_400_000;
const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2025-01-31.")
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && d.getUTCFullYear() >= 2000;
  }, "Not a valid date.");

/** An IANA zone name the runtime knows ("Europe/Berlin", "UTC"); offsets and POSIX strings are refused. */
const TimeZone = z
  .string()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/, "Use a time zone name like Europe/Berlin.")
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "Unknown time zone.");

export const OverviewInput = z
  .object({
    range: z.enum(OVERVIEW_RANGES, { error: "Choose today, 7d, 30d or custom." }).default("today"),
    from: LocalDate.optional(),
    to: LocalDate.optional(),
    /** The viewer's zone: "today" and the chart's days are theirs. */
    tz: TimeZone.default("UTC"),
  })
  .superRefine((v, ctx) => {
    if (v.range !== "custom") return;
    if (!v.from) ctx.addIssue({ code: "custom", path: ["from"], message: "Choose a start date." });
    if (!v.to) ctx.addIssue({ code: "custom", path: ["to"], message: "Choose an end date." });
    if (!v.from || !v.to) return;
    if (v.from > v.to) ctx.addIssue({ code: "custom", path: ["to"], message: "The end date is before the start date." });
    else if (daysBetween(v.from, v.to) + 1 > MAX_RANGE_DAYS) ctx.addIssue({ code: "custom", path: ["to"], message: `Choose at most ${MAX_RANGE_DAYS} days.` });
  });

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** The calendar date at `now` in zone `tz`, as YYYY-MM-DD. */
export function localDate(now: Date, tz: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/**
 * The Overview's numbers for a range of the viewer's days (today, the last 7
 * or 30 days including today, or custom dates), in their time zone: chats
 * started in the range by their status now and by lead stage, chats per day
 * by status, the queue now (length, the longest wait), and every agent's
 * presence and load. One aggregate query over the range, one for the queue.
 */
export async function getOverview({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<OverviewDTO> {
  const data = OverviewInput.parse(input);
  assertCan(ctx.actor, "overview.view");
  const today = localDate(ctx.now, data.tz);
  const to = data.range === "custom" ? data.to! : today;
  const from = data.range === "custom" ? data.from! : addDays(today, 1 - RANGE_DAYS[data.range]);

  let buckets: { status: string; lead_stage: string; day: string; n: number }[];
  try {
    buckets = rowsOf(
      await ctx.db.execute(sql`
        select c.status, c.lead_stage, to_char(c.created_at at time zone ${data.tz}, 'YYYY-MM-DD') as day, count(*)::int as n
        from conversations c
        where c.created_at >= (${from}::date)::timestamp at time zone ${data.tz}
          and c.created_at < (${to}::date + 1)::timestamp at time zone ${data.tz}
        group by 1, 2, 3`),
    );
  } catch (err) {
    // A zone this runtime knows but the database doesn't: the viewer's input, not a bug.
    if (/time zone/i.test(String((err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message))) {
      throw new AppError("bad_request", "Unknown time zone.", { details: { fields: { tz: "Unknown time zone." } } });
    }
    throw err;
  }
  const [queue] = rowsOf<{ n: number; oldest: string | Date | null; any: unknown }>(
    await ctx.db.execute(sql`
      select count(*)::int as n, min(c.queued_at) as oldest, (select exists (select 1 from conversations)) as any
      from conversations c where c.status = 'queued'`),
  );

  const byStatus = zeros(conversationStatus.enumValues);
  const byStage = zeros(LEAD_STAGES);
  const days = daysBetween(from, to) + 1;
  const perDay = Array.from({ length: days }, (_, i) => ({ day: addDays(from, i), byStatus: zeros(conversationStatus.enumValues) }));
  for (const b of buckets) {
    const status = b.status as keyof typeof byStatus;
    byStatus[status] += b.n;
    byStage[b.lead_stage as keyof typeof byStage] += b.n;
    const i = daysBetween(from, b.day);
    if (i >= 0 && i < days) perDay[i].byStatus[status] += b.n;
  }
  const oldest = queue.oldest == null ? null : new Date(queue.oldest);
  const project = sqlBool(queue.any) ? null : await findDefaultProject(ctx.db);
  return {
    range: { kind: data.range, from, to, tz: data.tz, days },
    chats: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus },
    leads: { byStage },
    queue: {
      length: Number(queue.n),
      oldestQueuedAt: oldest?.toISOString() ?? null,
      longestWaitSeconds: oldest ? Math.max(0, Math.floor((ctx.now.getTime() - oldest.getTime()) / 1000)) : 0,
    },
    perDay,
    agents: await loadAgentStatuses(ctx.db, ctx.now),
    fresh: !sqlBool(queue.any),
    visitorPagePath: project ? `/p/${project.slug}` : null,
    generatedAt: ctx.now.toISOString(),
  };
}

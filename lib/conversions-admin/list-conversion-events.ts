import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { rowsOf } from "../../db/raw";
import type { LeadStage } from "../../db/schema";
import { assertCan } from "../auth/permissions";
import { cachedTableTotal } from "../console/cached-total";
import { keysetCursor, keysetPage, pageFields, seekOrder, seekSql, totalAtLeastShown, type TablePage } from "../console/keyset";
import type { StaffCtx } from "../ctx";
import { DbId } from "../validation";
import type { ConversionEventDTO, ConversionPlatform, ConversionStatus } from "../conversions/types";

/** Newest first: the cursor is (created_at, id). */
const Cursor = keysetCursor(z.tuple([z.iso.datetime(), z.number().int().positive().max(Number.MAX_SAFE_INTEGER)]));

export const ListConversionEventsInput = z
  .object({
    projectId: DbId.optional(),
    platform: z.enum(["meta", "ga4"], { error: "Platform must be meta or ga4." }).optional(),
    status: z.enum(["queued", "sent", "failed", "expired"], { error: "Status must be queued, sent, failed or expired." }).optional(),
    ...pageFields(Cursor),
  })
  .strict();

const iso = (v: unknown) => new Date(v as string | Date).toISOString();

function rawToDTO(r: Record<string, unknown>): ConversionEventDTO {
  return {
    id: Number(r.id),
    eventId: String(r.event_id),
    platform: r.platform as ConversionPlatform,
    projectId: r.project_id == null ? null : Number(r.project_id),
    leadId: r.lead_id == null ? null : Number(r.lead_id),
    stage: r.stage as LeadStage,
    eventName: String(r.event_name),
    status: r.status as ConversionStatus,
    test: r.test === true || r.test === "t",
    attempts: Number(r.attempts),
    lastError: r.last_error == null ? null : String(r.last_error),
    responseCode: r.response_code == null ? null : Number(r.response_code),
    occurredAt: iso(r.occurred_at),
    nextAttemptAt: iso(r.next_attempt_at),
    sentAt: r.sent_at == null ? null : iso(r.sent_at),
    createdAt: iso(r.created_at),
  };
}

/**
 * The delivery log (`marketing.conversions`): every outbox row — platform,
 * stage, status, attempts, last error, response code — newest first,
 * keyset-paginated on (created_at, id), filtered by project, platform and
 * status. Never the payload (hashed contact data stays in the database).
 * The total is counted once per filter set and reused for a while
 * (lib/console/cached-total.ts): the outbox grows with every stage change.
 */
export async function listConversionEvents({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<TablePage<ConversionEventDTO>> {
  assertCan(ctx.actor, "marketing.conversions");
  const data = ListConversionEventsInput.parse(input);
  const where: SQL[] = [sql`true`];
  if (data.projectId !== undefined) where.push(sql`e.project_id = ${data.projectId}`);
  if (data.platform) where.push(sql`e.platform = ${data.platform}`);
  if (data.status) where.push(sql`e.status = ${data.status}`);
  const filter = sql.join(where, sql` and `);
  const key = JSON.stringify([data.projectId ?? null, data.platform ?? null, data.status ?? null]);
  const total = await cachedTableTotal(ctx.db, "conversion_events", key, ctx.now.getTime(), async () => {
    const [{ n }] = rowsOf<{ n: number }>(await ctx.db.execute(sql`select count(*)::int as n from conversion_events e where ${filter}`));
    return Number(n);
  });
  const columns = [sql`e.created_at`, sql`e.id`];
  const page = await keysetPage({
    page: data,
    encode: Cursor.encode,
    keyOf: (r: Record<string, unknown>) => [iso(r.created_at), Number(r.id)] as [string, number],
    total,
    fetch: async (seek, take) =>
      rowsOf<Record<string, unknown>>(
        await ctx.db.execute(sql`
          select e.id, e.event_id, e.platform, e.project_id, e.lead_id, e.stage, e.event_name, e.status, e.test, e.attempts,
                 e.last_error, e.response_code, e.occurred_at, e.next_attempt_at, e.sent_at, e.created_at
          from conversion_events e
          where ${filter} ${seek ? sql`and ${seekSql(columns, { ...seek, key: [sql`${seek.key[0]}::timestamptz`, seek.key[1]] }, "desc")}` : sql``}
          order by ${sql.join(seekOrder(columns, seek?.direction ?? "forward", "desc"), sql`, `)}
          limit ${take}`),
      ),
  });
  return { ...page, total: totalAtLeastShown(page, total), items: page.items.map(rawToDTO) };
}

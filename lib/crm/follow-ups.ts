import { sql } from "drizzle-orm";
import { z } from "zod";
import { rowsOf } from "../../db/raw";
import { assertCan } from "../auth/permissions";
import type { StaffCtx } from "../ctx";
import { leadScopeSql } from "./lead-access";
import type { FollowUpDTO, FollowUpsDTO } from "./leads-shared";
import { Day, todayOf, toLeadRow } from "./list-leads";

export const FollowUpsInput = z.object({ today: Day.optional() });

/** How many the panels list; the rest are one click away in the leads table (followUp=due). */
export const FOLLOW_UPS_SHOWN = 20;

/**
 * The actor's follow-ups due today and overdue (product brief: "Agents see
 * 'due today' leads surfaced on their dashboard so nothing slips"), over
 * the leads they may see, oldest date first. Converted and not-qualified
 * leads are done with and left out. `today` is the viewer's (their time
 * zone decides the day); the server's UTC date when absent.
 */
export async function followUpsDue({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<FollowUpsDTO> {
  assertCan(ctx.actor, "crm.view");
  const data = FollowUpsInput.parse(input);
  const today = todayOf(ctx, data);
  const where = sql`l.follow_up_on <= ${today}::date and l.stage not in ('converted', 'not_qualified') and ${leadScopeSql(ctx.actor)}`;
  const [rows, [{ n }]] = await Promise.all([
    ctx.db.execute(sql`
      select l.*, l.follow_up_on::text as follow_up_on, null as project_title, null as assignee_name
      from leads l where ${where} order by l.follow_up_on, l.id limit ${FOLLOW_UPS_SHOWN}`),
    ctx.db.execute(sql`select count(*)::int as n from leads l where ${where}`).then((r) => rowsOf<{ n: number }>(r)),
  ]);
  const items = rowsOf<Record<string, unknown>>(rows).map((r): FollowUpDTO => {
    const l = toLeadRow(r);
    return { id: l.id, name: l.name, phone: l.phone, email: l.email, stage: l.stage, followUpOn: l.followUpOn, source: l.source, conversationId: l.conversationId, overdue: (l.followUpOn ?? today) < today };
  });
  return { items, total: Number(n), today };
}

import { eq, sql, type SQL } from "drizzle-orm";
import { leads } from "../../db/schema";
import { rowsOf } from "../../db/raw";
import { assertCan, can } from "../auth/permissions";
import type { StaffActor, StaffCtx } from "../ctx";
import { AppError } from "../errors";

export type Lead = typeof leads.$inferSelect;

/**
 * Which leads a staff member sees (the product brief is silent for agents;
 * chosen here): with crm.view_all (admin, manager, QA) every lead; an agent
 * with the CRM toggle sees the leads of chats assigned to them and the
 * leads assigned to them. Editing (crm.edit) follows the same scope, so an
 * agent edits exactly what they see, and QA edits nothing.
 *
 * SQL over the leads alias `l`.
 */
export function leadScopeSql(actor: StaffActor, l = "l"): SQL {
  if (can(actor, "crm.view_all")) return sql`true`;
  const t = sql.raw(l);
  return sql`(${t}.assignee_id = ${actor.userId} or ${t}.conversation_id in (select c.id from conversations c where c.assignee_id = ${actor.userId}))`;
}

/**
 * Load a lead the actor may see (`write`: and edit), else `not_found` — the
 * same answer whether it doesn't exist or is outside their scope. `lock`
 * holds the row until the caller's transaction commits.
 */
export async function getLeadOrThrow(ctx: StaffCtx, id: number, mode: "read" | "write" = "read", opts: { lock?: boolean } = {}): Promise<Lead> {
  assertCan(ctx.actor, mode === "write" ? "crm.edit" : "crm.view");
  const visible = rowsOf<{ id: number }>(await ctx.db.execute(sql`select l.id from leads l where l.id = ${id} and ${leadScopeSql(ctx.actor)}`));
  if (!visible.length) throw new AppError("not_found", "Lead not found.");
  const q = ctx.db.select().from(leads).where(eq(leads.id, id)).limit(1);
  const [lead] = opts.lock ? await q.for("update") : await q;
  if (!lead) throw new AppError("not_found", "Lead not found.");
  return lead;
}

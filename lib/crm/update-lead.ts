import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { leads } from "../../db/schema";
import { rowsOf } from "../../db/raw";
import { audit } from "../audit";
import { holdsSql } from "../auth/permissions";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { DbId, DbIdValue } from "../validation";
import { effects, type VerbResult } from "../verb";
import { getLeadOrThrow, type Lead } from "./lead-access";
import { FINAL_REMARK_MAX, type LeadRowDTO } from "./leads-shared";
import { Day, loadLeadRow } from "./list-leads";

export const UpdateLeadInput = z
  .object({
    leadId: DbId,
    /** The row's `updatedAt` as the editor read it. */
    version: z.iso.datetime({ offset: true, error: "Send the lead's version (its updatedAt)." }),
    followUpOn: Day.nullable().optional(),
    finalRemark: z.string().trim().max(FINAL_REMARK_MAX, `Use at most ${FINAL_REMARK_MAX} characters.`).optional(),
    assigneeId: DbIdValue.nullable().optional(),
  })
  .refine((d) => d.followUpOn !== undefined || d.finalRemark !== undefined || d.assigneeId !== undefined, {
    path: ["_"],
    message: "Change the follow-up date, the final remark or the assignee.",
  });

/**
 * The next version of a row: now, or a millisecond past the old one when the
 * clock hasn't moved (two edits in one ms must still be two versions).
 */
export function nextVersion(lead: Pick<Lead, "updatedAt">, now: Date): Date {
  return new Date(Math.max(now.getTime(), lead.updatedAt.getTime() + 1));
}

/** Refuse a write made against an older version of the lead than the one stored (409: reload and redo). */
export function assertVersion(lead: Pick<Lead, "updatedAt">, version: string) {
  if (new Date(version).getTime() !== lead.updatedAt.getTime()) {
    throw new AppError("conflict", "Someone else changed this lead meanwhile. Reload it to see their change, then try again.");
  }
}

/**
 * Edit a lead's follow-up date, final remark or assignee (one, some or all).
 * Conflict-safe: the editor sends the version they read and a lead changed
 * since is a 409, never a silent overwrite. An assignee must hold crm.edit
 * now (an agent with the CRM toggle, a manager or an admin). One audit row
 * with what changed, from → to.
 */
export async function updateLead({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<LeadRowDTO>> {
  const data = UpdateLeadInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const lead = await getLeadOrThrow(tx, data.leadId, "write", { lock: true });
    assertVersion(lead, data.version);
    if (data.assigneeId != null && data.assigneeId !== lead.assigneeId) {
      const ok = rowsOf(await tx.db.execute(sql`select 1 from users u where u.id = ${data.assigneeId} and ${holdsSql("crm.edit", "u")}`));
      if (!ok.length) {
        throw new AppError("bad_request", "Assign the lead to someone who may work on leads.", { details: { fields: { assigneeId: "This person can't work on leads." } } });
      }
    }
    const patch: Partial<typeof leads.$inferInsert> = {};
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (data.followUpOn !== undefined && data.followUpOn !== lead.followUpOn) {
      patch.followUpOn = data.followUpOn;
      changes.followUpOn = { from: lead.followUpOn, to: data.followUpOn };
    }
    if (data.finalRemark !== undefined && data.finalRemark !== lead.finalRemark) {
      patch.finalRemark = data.finalRemark;
      changes.finalRemark = { from: lead.finalRemark, to: data.finalRemark };
    }
    if (data.assigneeId !== undefined && data.assigneeId !== lead.assigneeId) {
      patch.assigneeId = data.assigneeId;
      changes.assigneeId = { from: lead.assigneeId, to: data.assigneeId };
    }
    if (Object.keys(patch).length) {
      await tx.db.update(leads).set({ ...patch, updatedAt: nextVersion(lead, ctx.now) }).where(eq(leads.id, lead.id));
      await audit(tx, "lead.update", { type: "lead", id: lead.id }, changes);
    }
    return { result: await loadLeadRow(tx.db, lead.id), effects: effects() };
  });
}

import { auditLog } from "../db/schema";
import type { Ctx } from "./ctx";
import { AppError } from "./errors";

/** The closed set of audited actions; the back office's audit log filters on these. */
export type AuditAction =
  | "conversation.pick"
  | "conversation.assign"
  | "conversation.close"
  | "conversation.lead_stage"
  | "auth.sign_out"
  | "auth.inactive_sign_out"
  | "auth.session_revoked"
  | "auth.2fa_enabled"
  | "auth.2fa_disabled"
  | "auth.recovery_code_used"
  | "auth.recovery_codes_regenerated"
  | "staff.create"
  | "staff.update"
  | "staff.password_reset"
  | "staff.password_change"
  | "ip.block"
  | "ip.unblock"
  | "security.settings_updated"
  | "visitor.block"
  | "project.create"
  | "project.update"
  | "project.clone"
  | "project.default"
  | "lead.update"
  | "lead.stage"
  | "lead.note"
  | "lead_import.start"
  | "lead_import.finish"
  | "marketing.tags_updated"
  | "sheet_source.create"
  | "sheet_source.update"
  | "sheet_source.delete"
  | "sheet_source.poll_now"
  | "sheet_source.import"
  | "sheets.service_account_set"
  | "sheets.service_account_clear"
  | "conversions.config_updated"
  | "conversions.test_event";

export type AuditTarget = { type: "conversation" | "user" | "ip" | "project" | "lead" | "lead_import" | "sheet_source"; id: string | number };

/**
 * Write one audit row inside the transaction of the change it records, so the
 * two commit or roll back together. Called only from inside `withTransaction`.
 */
export async function audit(ctx: Ctx, action: AuditAction, target: AuditTarget | null, data: Record<string, unknown> = {}) {
  if (!ctx.inTx) throw new AppError("internal", `audit(${action}) outside a transaction`);
  const a = ctx.actor;
  await ctx.db.insert(auditLog).values({
    actorKind: a.type === "system" ? `system:${a.job}` : a.type,
    actorId: a.type === "staff" ? a.userId : a.type === "visitor" ? a.visitorId : null,
    action,
    targetType: target?.type ?? null,
    targetId: target ? String(target.id) : null,
    data,
    ip: ctx.ip || null,
    createdAt: ctx.now,
  });
}

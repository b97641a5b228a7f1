import { eq } from "drizzle-orm";
import { visitorAttributions } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { can } from "../auth/permissions";
import { AppError } from "../errors";
import { getConversationOrThrow } from "./access";
import { loadConversationDTO } from "./dto";

/**
 * One conversation for the staff header: the DTO plus the visitor's
 * attribution (UTM, click ids, device, geo) and the chat's IP (for bans).
 * The IP is shown only to roles that may block.
 */
export async function getConversationDetails({ ctx, conversationId }: { ctx: StaffCtx; conversationId: number }) {
  if (ctx.actor.type !== "staff") throw new AppError("forbidden", "Staff only.");
  const c = await getConversationOrThrow(ctx, conversationId, "read");
  const [attribution] = c.attributionId
    ? await ctx.db.select().from(visitorAttributions).where(eq(visitorAttributions.id, c.attributionId)).limit(1)
    : [];
  const canSeeIp = can(ctx.actor, "visitor.view_ip");
  let attr: Record<string, unknown> | null = null;
  if (attribution) {
    const { ip, visitorId: _v, id: _i, ...rest } = attribution;
    attr = canSeeIp ? { ...rest, ip } : rest;
  }
  return {
    conversation: await loadConversationDTO(ctx.db, c.id),
    attribution: attr,
    ip: canSeeIp ? c.ip : null,
    routingNote: c.routingNote,
  };
}

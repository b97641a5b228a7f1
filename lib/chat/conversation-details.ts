import { eq } from "drizzle-orm";
import { visitorAttributions, visitors } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { can } from "../auth/permissions";
import { AppError } from "../errors";
import { canWrite, getConversationOrThrow } from "./access";
import { loadConversationDTO } from "./dto";

/**
 * One conversation for the staff header: the DTO plus the visitor's
 * attribution (UTM, click ids, device, geo) and the chat's IP (for bans).
 * The IP is shown only to roles that may block. `actions` says what this
 * viewer may do with the chat, from the one policy, so a console shows only
 * the controls the server would accept.
 */
export async function getConversationDetails({ ctx, conversationId }: { ctx: StaffCtx; conversationId: number }) {
  if (ctx.actor.type !== "staff") throw new AppError("forbidden", "Staff only.");
  const c = await getConversationOrThrow(ctx, conversationId, "read");
  const [attribution] = c.attributionId
    ? await ctx.db.select().from(visitorAttributions).where(eq(visitorAttributions.id, c.attributionId)).limit(1)
    : [];
  const [visitor] = await ctx.db.select({ createdAt: visitors.createdAt }).from(visitors).where(eq(visitors.id, c.visitorId)).limit(1);
  const canSeeIp = can(ctx.actor, "visitor.view_ip");
  const writes = canWrite(ctx.actor, c);
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
    /** When this visitor first started a chat. */
    firstSeenAt: visitor?.createdAt.toISOString() ?? null,
    actions: {
      reply: writes,
      close: writes && can(ctx.actor, "chat.close"),
      leadStage: writes && can(ctx.actor, "chat.lead_stage"),
      assign: can(ctx.actor, "chat.assign_any") || (can(ctx.actor, "chat.reassign_own") && c.assigneeId === ctx.actor.userId),
      block: can(ctx.actor, "visitor.block"),
    },
  };
}

export type ConversationDetails = Awaited<ReturnType<typeof getConversationDetails>>;

import { eq } from "drizzle-orm";
import { z } from "zod";
import { conversations, LEAD_STAGES } from "../../db/schema";
import type { StaffCtx } from "../auth/ctx";
import { assertCan } from "../auth/permissions";
import type { ConversationDTO } from "../realtime/protocol";
import { getConversationOrThrow } from "./access";
import { loadConversationDTO } from "./dto";

export const SetLeadStageInput = z.object({
  conversationId: z.coerce.number().int().positive().max(2 ** 31 - 1),
  stage: z.enum(LEAD_STAGES),
});

/**
 * Tag a chat's lead stage (New, Qualified, Not Qualified, Converted). Agents:
 * only chats assigned to them; admins and managers: any; QA: never. Touches
 * nothing but `lead_stage` — in particular not `last_message_at`, so tagging
 * never reorders the inbox (product brief, "Real activity sort"). The caller
 * publishes the returned DTO after this returns.
 */
export async function setLeadStage({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<ConversationDTO> {
  assertCan(ctx.actor, "chat.lead_stage");
  const data = SetLeadStageInput.parse(input);
  const c = await getConversationOrThrow(ctx, data.conversationId, "write");
  if (c.leadStage !== data.stage) {
    await ctx.db.update(conversations).set({ leadStage: data.stage }).where(eq(conversations.id, c.id));
  }
  return loadConversationDTO(ctx.db, c.id);
}

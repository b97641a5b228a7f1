import type { StaffCtx } from "../ctx";
import { assertCan } from "../auth/permissions";

/**
 * The five-bucket inbox is the agent console's: "own" and "others" are relative
 * to an agent who takes chats. Admins, managers and QA have their own consoles
 * listing every chat, so they are refused here rather than shown empty buckets.
 */
export function assertAgentInbox(ctx: StaffCtx): void {
  assertCan(ctx.actor, "console.agent");
  assertCan(ctx.actor, "chat.view_own");
}

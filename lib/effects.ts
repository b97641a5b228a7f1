import type { Ctx } from "./ctx";
import { systemCtx } from "./ctx";
import { AppError } from "./errors";
import { getHub } from "./realtime/hub";
import { publishAgentStatuses, publishConversations, publishMessage, publishToConversation, publishVisitorViews } from "./realtime/publish";
import { drainQueue, queuedForNotice } from "./routing";
import { isEmpty, type Effects } from "./verb";

/**
 * The one place where a committed state change reaches the outside world:
 * route handlers, the ws dispatcher and the sweepers all call this with what
 * their verb returned. Order: messages and chat frames, then the chats'
 * new state, then rights, sessions and single devices, then the queue drain (whose own
 * assignments are published the same way). Without a hub (tests, `next
 * build`) publishing does nothing; the drain still runs.
 */
export async function applyEffects(ctx: Ctx, fx: Effects, opts: { exceptConn?: string } = {}): Promise<void> {
  // Publishing inside a transaction would announce what may still roll back.
  if (ctx.inTx) throw new AppError("internal", "applyEffects inside a transaction");
  if (isEmpty(fx)) return;
  const hub = getHub();
  for (const m of fx.messages) publishMessage(m.message, m.assigneeId, opts.exceptConn);
  for (const f of fx.chatFrames) {
    // Only typing skips its sender; receipts and "moved" reach the sender's own socket too
    // (the visitor tab that wrote into a closed chat must follow to the new one).
    const id = f.type === "moved" ? f.fromConversationId : f.conversationId;
    publishToConversation(id, f, f.type === "typing" ? opts.exceptConn : undefined);
  }
  const chatIds = [...new Set(fx.conversations.map((c) => c.id))];
  const previousOwners = [...new Set(fx.conversations.map((c) => c.previousAssigneeId).filter((x): x is number => x != null))];
  if (chatIds.length) await publishConversations(ctx.db, chatIds, previousOwners);
  // Supervisors' live agents grid: the agents named, those whose sessions or rights changed, and
  // the moved chats' previous and (in the query) current owners, whose load changed.
  const agents = [...new Set([...fx.agentsChanged, ...fx.signOut, ...fx.reauthorize, ...previousOwners])];
  if (agents.length || chatIds.length) await publishAgentStatuses(ctx.db, ctx.now, { userIds: agents, conversationIds: chatIds });
  for (const userId of new Set(fx.reauthorize)) hub?.reauthorizeUser(userId);
  for (const userId of new Set(fx.signOut)) hub?.kickUser(userId);
  // A signed-out device: every open socket of that user re-checks its own session against the
  // database (the fan-out user re-authorisation already has), so exactly the ended ones close (4001).
  for (const userId of new Set(fx.endSessions.map((s) => s.userId))) hub?.reauthorizeUser(userId);
  let queueChanged = fx.queueChanged;
  if (fx.drain) {
    const drained = await drainQueue({ ctx: systemCtx(ctx.db, "drain", ctx.now) });
    // A drain's own effects never ask for another drain, so this recursion stops here;
    // the queue notices below go out once, after it.
    await applyEffects(ctx, { ...drained.effects, drain: false, queueChanged: false });
    queueChanged ||= drained.result.length > 0;
  }
  // Chats moved in or out of the queue, or who can answer changed: every waiting visitor's
  // position and "nobody is available" note may have changed with it. Not on the hot path:
  // messages, receipts and typing never set this.
  if (queueChanged) {
    const moved = new Set(fx.conversations.map((c) => c.id));
    await publishVisitorViews(ctx.db, (await queuedForNotice(ctx.db)).filter((id) => !moved.has(id)));
  }
}

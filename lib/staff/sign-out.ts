import { withTransaction, type Ctx } from "../ctx";
import { bumpSessionVersion } from "../auth/sign-in";
import { audit } from "../audit";
import { lockCursor, markSignedOut, releaseChatsOf } from "../routing";
import type { VerbResult } from "../verb";

/**
 * End every session of a staff member (their own sign-out, or an admin's
 * force-logout): the cookie stops working at once, their open chats go back
 * to the queue without the 30 s refresh grace (a deliberate exit), and after
 * commit their sockets close on every instance.
 */
export async function signOutStaff({ ctx, input }: { ctx: Ctx; input: { userId: number; reason?: string } }): Promise<VerbResult<{ released: number }>> {
  return withTransaction(ctx, async (tx) => {
    // The routing lock first, as every ownership change takes it (see lockCursor).
    await lockCursor(tx);
    await bumpSessionVersion(tx.db, input.userId, ctx.now);
    await markSignedOut(tx.db, [input.userId], ctx.now);
    const released = await releaseChatsOf(tx, [input.userId]);
    await audit(tx, "auth.sign_out", { type: "user", id: input.userId }, { released: released.result.length, ...(input.reason ? { reason: input.reason } : {}) });
    return { result: { released: released.result.length }, effects: { ...released.effects, signOut: [input.userId] } };
  });
}

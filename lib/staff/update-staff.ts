import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { rowsOf } from "../../db/raw";
import { STAFF_ROLES, users } from "../../db/schema";
import { staffActor, withTransaction, type StaffCtx } from "../ctx";
import { assertCan, can, rolesWith } from "../auth/permissions";
import { bumpSessionVersion } from "../auth/sign-in";
import { audit } from "../audit";
import { AppError } from "../errors";
import { lockCursor, markSignedOut, releaseChatsOf } from "../routing";
import { DbId } from "../validation";
import { assertIdentityFree, ChatLimit, DisplayName, Email, identityConflict, Username } from "./create-staff";
import { effects, mergeEffects, type VerbResult } from "../verb";

export const UpdateStaffInput = z
  .object({
    userId: DbId,
    role: z.enum(STAFF_ROLES).optional(),
    disabled: z.boolean().optional(),
    liveChatEnabled: z.boolean().optional(),
    crmEnabled: z.boolean().optional(),
    activeChatLimit: ChatLimit.optional(),
    offlineChatLimit: ChatLimit.optional(),
    displayName: DisplayName.optional(),
    email: Email.optional(),
    username: Username.optional(),
    /**
     * The row's `updatedAt` when the editor loaded it: a save made from an
     * older copy is refused (409) instead of silently overwriting someone
     * else's change. Optional for callers that aren't a form.
     */
    version: z.iso.datetime({ offset: true, error: "Invalid version." }).optional(),
  })
  .strict();

/**
 * Change a staff member's name, email, username, role, toggles, limits or
 * disabled flag. Rights
 * follow at once: the change commits with its audit row, then the user's open
 * sockets are re-authorised (or closed, when disabled), and chats they may no
 * longer hold go back to the queue. The last active admin can't be demoted or
 * disabled (checked under a lock on the admins' rows, so two admins demoting
 * each other at once can't both succeed).
 */
export async function updateStaffMember({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<{ userId: number }>> {
  const { version, ...data } = UpdateStaffInput.parse(input);
  try {
    return await updateLocked(ctx, data, version);
  } catch (err) {
    throw identityConflict(err) ?? err;
  }
}

async function updateLocked(ctx: StaffCtx, data: Omit<z.infer<typeof UpdateStaffInput>, "version">, version: string | undefined): Promise<VerbResult<{ userId: number }>> {
  return withTransaction(ctx, async (tx) => {
    // Lock order: the routing lock before any user row. A concurrent drain holds
    // it while its assignment's foreign key share-locks the agent's row.
    await lockCursor(tx);
    const adminRoles = rolesWith("staff.grant_admin");
    const adminsSql = sql.join(adminRoles.map((r) => sql`${r}`), sql`, `);
    // Every change that touches an admin first locks all active admins, in id
    // order: two admins demoting each other at once then run one after the
    // other (no write skew, no deadlock), and the second sees the first's change.
    const lockAdmins = async () =>
      rowsOf<{ id: number }>(await tx.db.execute(sql`select id from users where role in (${adminsSql}) and disabled = false order by id for update`)).map((r) => Number(r.id));
    const [peek] = await tx.db.select({ role: users.role }).from(users).where(eq(users.id, data.userId)).limit(1);
    if (!peek) throw new AppError("not_found", "Staff member not found.");
    const touchesAdmin = adminRoles.includes(peek.role) || (data.role !== undefined && adminRoles.includes(data.role));
    assertCan(ctx.actor, data.role !== undefined || touchesAdmin ? "staff.manage" : "agents.manage");
    if (touchesAdmin) assertCan(ctx.actor, "staff.grant_admin");
    const activeAdmins = touchesAdmin ? await lockAdmins() : [];
    const [before] = await tx.db.select().from(users).where(eq(users.id, data.userId)).for("update").limit(1);
    if (!before) throw new AppError("not_found", "Staff member not found.");
    // Under the row lock: of two editors saving the same copy, the second one sees the first's write.
    if (version !== undefined && before.updatedAt.getTime() !== new Date(version).getTime()) {
      const message = "Someone else changed this staff member since you opened it. Reload to see their changes, then try again.";
      throw new AppError("conflict", message, { details: { fields: { version: message } } });
    }
    await assertIdentityFree(tx, { email: data.email, username: data.username, exceptUserId: before.id });

    const after = { ...before, ...data };
    const wasActiveAdmin = adminRoles.includes(before.role) && !before.disabled;
    const staysActiveAdmin = adminRoles.includes(after.role) && !after.disabled;
    if (wasActiveAdmin && !staysActiveAdmin && activeAdmins.filter((id) => id !== before.id).length === 0) {
      throw new AppError("conflict", "This is the last active admin. Make someone else an admin first.");
    }

    const { userId: _id, ...patch } = data;
    await tx.db.update(users).set({ ...patch, updatedAt: ctx.now }).where(eq(users.id, before.id));

    // Who can answer may have changed (a toggle, a disable, a role): waiting visitors hear it.
    let fx = effects({ reauthorize: [before.id], queueChanged: true });
    const couldHold = can(staffActor(before), "chat.receive_routed") && !before.disabled;
    const canHold = can(staffActor(after), "chat.receive_routed") && !after.disabled;
    if (after.disabled && !before.disabled) {
      await bumpSessionVersion(tx.db, before.id);
      await markSignedOut(tx.db, [before.id], ctx.now);
      fx.signOut.push(before.id);
    }
    if (couldHold && !canHold) fx = mergeEffects(fx, (await releaseChatsOf(tx, [before.id])).effects);
    // More room, or a returning agent: hand out waiting chats.
    const raised = after.activeChatLimit > before.activeChatLimit || after.offlineChatLimit > before.offlineChatLimit;
    if (canHold && (!couldHold || raised)) fx.drain = true;

    const changed = Object.fromEntries(
      Object.entries(patch).filter(([k, v]) => (before as Record<string, unknown>)[k] !== v).map(([k, v]) => [k, { from: (before as Record<string, unknown>)[k], to: v }]),
    );
    await audit(tx, "staff.update", { type: "user", id: before.id }, changed);
    return { result: { userId: before.id }, effects: fx };
  });
}

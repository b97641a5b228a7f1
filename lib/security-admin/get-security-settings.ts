import { assertCan } from "../auth/permissions";
import type { StaffCtx } from "../ctx";
import { readSecuritySettings, type SecuritySettingsView } from "../security/security-settings";

/**
 * What the back office's Security page shows (`security.manage`): each
 * strike rule's limit, window and block with the brief's default beside
 * it, and the allow-list — as stored now, not as this process has cached it.
 */
export async function getSecuritySettings({ ctx }: { ctx: StaffCtx }): Promise<SecuritySettingsView> {
  assertCan(ctx.actor, "security.manage");
  return readSecuritySettings(ctx.db);
}

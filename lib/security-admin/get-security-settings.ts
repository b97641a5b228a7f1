import { assertCan, can } from "../auth/permissions";
import type { StaffCtx } from "../ctx";
import { getEnv } from "../env";
import { RATE_LIMITS, type LimitName } from "../security/rate-limits";
import { readSecuritySettings, type SecuritySettingsView } from "../security/security-settings";

/** What each rate limit covers, as the Security page names it. */
const RATE_LIMIT_LABEL: Record<LimitName, string> = {
  chatStart: "Chat starts (contact form)",
  visitorApi: "Other visitor requests",
  upload: "Uploads",
  webLead: "Web-form leads",
  signIn: "Sign-in attempts",
  wsSend: "Chat messages (socket)",
  wsTyping: "Typing frames (socket)",
  wsReceipt: "Read receipts (socket)",
  wsConnect: "Socket connections",
};

export type RateLimitView = {
  name: LimitName;
  label: string;
  /** As set (the Security page, else the default), before RATE_LIMIT_FACTOR. */
  points: number;
  seconds: number;
  defaults: { points: number; seconds: number };
  /** What this instance applies now: `points` × RATE_LIMIT_FACTOR. */
  appliedPoints: number;
};

export type SecurityPageSettings = SecuritySettingsView & {
  /** Per client, as set on this page (defaults otherwise), with what this instance applies (RATE_LIMIT_FACTOR included). */
  rateLimits: RateLimitView[];
  rateLimitFactor: number;
  /** What the viewer may change (the page shows the rest read-only; the verbs refuse it anyway). */
  rights: {
    /** Thresholds and the allow-list: global configuration (`security.manage`). */
    editSettings: boolean;
    /** Block or unblock one client: an address or an IPv6 /64 (`visitor.block`). */
    blockClient: boolean;
    /** Block or unblock a wider CIDR range (`security.manage`). */
    blockRange: boolean;
  };
};

/**
 * What the back office's Security page shows (`security.view`, admins and
 * managers): each strike rule's limit, window and block with the brief's
 * default beside it, the allow-list — as stored now, not as this process
 * has cached it — and the rate limits in force here, with what the viewer
 * may change.
 */
export async function getSecuritySettings({ ctx }: { ctx: StaffCtx }): Promise<SecurityPageSettings> {
  assertCan(ctx.actor, "security.view");
  const view = await readSecuritySettings(ctx.db);
  const factor = getEnv().rateLimitFactor;
  const rateLimits = (Object.keys(RATE_LIMITS) as LimitName[]).map((name) => {
    const s = view.storedRateLimits[name];
    return { name, label: RATE_LIMIT_LABEL[name], points: s.points, seconds: s.seconds, defaults: s.defaults, appliedPoints: Math.max(1, Math.round(s.points * factor)) };
  });
  return {
    ...view,
    rateLimits,
    rateLimitFactor: factor,
    rights: {
      editSettings: can(ctx.actor, "security.manage"),
      blockClient: can(ctx.actor, "visitor.block"),
      blockRange: can(ctx.actor, "security.manage"),
    },
  };
}

import { eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { settings, STAFF_ROLES, type StaffRole } from "../../db/schema";
import { audit } from "../audit";
import { withTransaction, type StaffCtx } from "../ctx";
import { noEffects, type VerbResult } from "../verb";
import { assertCan } from "./permissions";

/** Settings keys (table `settings`). */
export const SESSION_SETTINGS_KEY = "security.sessions";
export const TWO_FACTOR_SETTINGS_KEY = "security.two_factor";

/** The longest lifetime the settings allow; the cookie's seal never outlives it. */
export const MAX_ABSOLUTE_HOURS = 30 * 24;
const MIN_IDLE_MINUTES = 5;

/**
 * How long a signed-in device stays signed in: `idleMinutes` since it was last
 * seen, and `absoluteHours` since it signed in, whichever ends first.
 */
export const SessionSettings = z
  .object({
    idleMinutes: z.number().int().min(MIN_IDLE_MINUTES, `At least ${MIN_IDLE_MINUTES} minutes.`).max(MAX_ABSOLUTE_HOURS * 60),
    absoluteHours: z.number().int().min(1, "At least 1 hour.").max(MAX_ABSOLUTE_HOURS, `At most ${MAX_ABSOLUTE_HOURS} hours (30 days).`),
  })
  .strict()
  .refine((s) => s.idleMinutes <= s.absoluteHours * 60, {
    message: "The idle timeout can't be longer than the session lifetime.",
    path: ["idleMinutes"],
  });
export type SessionSettings = z.infer<typeof SessionSettings>;
/** Issue 9: 12 hours idle, 7 days absolute (the cookie's lifetime before this was configurable). */
export const DEFAULT_SESSION_SETTINGS: SessionSettings = { idleMinutes: 12 * 60, absoluteHours: 7 * 24 };

/** The roles whose members must sign in with a second factor. */
export const TwoFactorSettings = z
  .object({ requiredRoles: z.array(z.enum(STAFF_ROLES)).max(STAFF_ROLES.length).transform((r) => [...new Set(r)].sort()) })
  .strict();
export type TwoFactorSettings = z.infer<typeof TwoFactorSettings>;
export const DEFAULT_TWO_FACTOR_SETTINGS: TwoFactorSettings = { requiredRoles: [] };

/** A stored value that no longer parses (hand-edited, older shape) falls back to the defaults rather than locking anyone out. */
function parseOr<T>(schema: z.ZodType<T>, raw: unknown, fallback: T): T {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return fallback;
    }
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : fallback;
}

export function parseSessionSettings(raw: unknown): SessionSettings {
  return raw == null ? DEFAULT_SESSION_SETTINGS : parseOr(SessionSettings, raw, DEFAULT_SESSION_SETTINGS);
}

export function parseTwoFactorSettings(raw: unknown): TwoFactorSettings {
  return raw == null ? DEFAULT_TWO_FACTOR_SETTINGS : parseOr(TwoFactorSettings, raw, DEFAULT_TWO_FACTOR_SETTINGS);
}

export type SecurityPolicy = { sessions: SessionSettings; twoFactor: TwoFactorSettings };

/** Both settings, defaults filled in (read fresh: a change applies on every instance from the next request). */
export async function readSecurityPolicy(db: Db): Promise<SecurityPolicy> {
  const rows = await db
    .select({ key: settings.key, value: settings.value })
    .from(settings)
    .where(inArray(settings.key, [SESSION_SETTINGS_KEY, TWO_FACTOR_SETTINGS_KEY]));
  const get = (k: string) => rows.find((r) => r.key === k)?.value;
  return { sessions: parseSessionSettings(get(SESSION_SETTINGS_KEY)), twoFactor: parseTwoFactorSettings(get(TWO_FACTOR_SETTINGS_KEY)) };
}

/** The policy as the security page shows it (`security.manage`). */
export async function getSecurityPolicy({ ctx }: { ctx: StaffCtx }): Promise<SecurityPolicy> {
  assertCan(ctx.actor, "security.manage");
  return readSecurityPolicy(ctx.db);
}

export async function isTwoFactorRequired(db: Db, role: StaffRole): Promise<boolean> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, TWO_FACTOR_SETTINGS_KEY)).limit(1);
  return parseTwoFactorSettings(row?.value).requiredRoles.includes(role);
}

export const UpdateSecurityPolicyInput = z
  .object({ sessions: SessionSettings.optional(), twoFactor: TwoFactorSettings.optional() })
  .strict()
  .refine((i) => i.sessions || i.twoFactor, { message: "Nothing to change." });

/**
 * Change the session limits and/or the roles that must use two-factor
 * sign-in (`security.manage`). A new session limit applies to every device
 * at its next request; a new two-factor requirement at each person's next
 * sign-in (open sessions are not cut off mid-shift). Audited with the
 * values before and after.
 */
export async function updateSecurityPolicy({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<SecurityPolicy>> {
  assertCan(ctx.actor, "security.manage");
  const change = UpdateSecurityPolicyInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const before = await readSecurityPolicy(tx.db);
    const after: SecurityPolicy = { sessions: change.sessions ?? before.sessions, twoFactor: change.twoFactor ?? before.twoFactor };
    const writes: [string, unknown][] = [];
    if (change.sessions) writes.push([SESSION_SETTINGS_KEY, after.sessions]);
    if (change.twoFactor) writes.push([TWO_FACTOR_SETTINGS_KEY, after.twoFactor]);
    for (const [key, value] of writes) {
      await tx.db
        .insert(settings)
        .values({ key, value, updatedById: ctx.actor.userId, updatedAt: ctx.now })
        .onConflictDoUpdate({ target: settings.key, set: { value, updatedById: ctx.actor.userId, updatedAt: ctx.now } });
    }
    await audit(tx, "security.settings_updated", null, {
      keys: writes.map(([k]) => k),
      before: Object.fromEntries(writes.map(([k]) => [k, k === SESSION_SETTINGS_KEY ? before.sessions : before.twoFactor])),
      after: Object.fromEntries(writes),
    });
    return { result: after, effects: noEffects() };
  });
}

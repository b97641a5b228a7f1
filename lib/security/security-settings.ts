import { inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { settings, type StrikeRule } from "../../db/schema";
import { logger } from "../logger";
import { singleton } from "../singleton";
import { IpMatcher, parseIpRange } from "./client-ip";
import { RATE_LIMIT_BOUNDS, RATE_LIMITS, type LimitName } from "./rate-limit-table";
import { DEFAULT_STRIKE_RULES, effectiveRule, RULE_BOUNDS, STRIKE_RULE_NAMES, type EffectiveRule, type RuleSettings } from "./rules";

/** Settings keys (table `settings`). */
export const STRIKE_SETTINGS_KEY = "security.strike_rules";
export const ALLOW_LIST_KEY = "security.allow_list";
export const RATE_LIMITS_KEY = "security.rate_limits";

const int = (what: string, b: { min: number; max: number }, unit = "") => {
  const whole = `${what} must be a whole number${unit ? ` of${unit}` : ""}.`;
  return z
    .number({ error: whole })
    .int(whole)
    .min(b.min, `${what} must be at least ${b.min}${unit}.`)
    .max(b.max, `${what} must be at most ${b.max}${unit}.`);
};

/** One rule's thresholds: limit 1..10000 strikes, window 1 min..24 h, block 1 min..30 days. */
export const RuleSettingsSchema = z
  .object({
    limit: int("The limit", RULE_BOUNDS.limit),
    windowMinutes: int("The window", RULE_BOUNDS.windowMinutes, " minutes"),
    blockMinutes: int("The block", RULE_BOUNDS.blockMinutes, " minutes"),
  })
  .strict();

/** All four rules; a rule missing from a stored value takes the brief's numbers. */
export const StrikeSettings = z
  .object(Object.fromEntries(STRIKE_RULE_NAMES.map((r) => [r, RuleSettingsSchema.default(DEFAULT_STRIKE_RULES[r])])) as Record<StrikeRule, z.ZodDefault<typeof RuleSettingsSchema>>)
  .strict();
export type StrikeSettings = Record<StrikeRule, RuleSettings>;

/** At most this many allow-list entries: it is for a few health checkers and office networks. */
export const MAX_ALLOW_LIST = 100;

export const AllowEntry = z
  .object({
    address: z.string().trim().min(1, "Enter an IP address or a CIDR range.").max(64, "That is too long for an address or a range."),
    note: z.string().trim().max(200, "Keep the note under 200 characters.").default(""),
  })
  .strict();
export type AllowEntry = z.output<typeof AllowEntry>;
const StoredAllowList = z.object({ entries: z.array(AllowEntry).max(MAX_ALLOW_LIST) }).strict();

export const LIMIT_NAMES = Object.keys(RATE_LIMITS) as LimitName[];
export type RateLimitSetting = { points: number; seconds: number };
export type RateLimitSettings = Record<LimitName, RateLimitSetting>;
export const DEFAULT_RATE_LIMITS: RateLimitSettings = Object.fromEntries(LIMIT_NAMES.map((n) => [n, { points: RATE_LIMITS[n].points, seconds: RATE_LIMITS[n].seconds }])) as RateLimitSettings;

/** One limit: 1–100,000 requests per 1 s–24 h (before RATE_LIMIT_FACTOR). */
export const RateLimitSchema = z
  .object({
    points: int("The number of requests", RATE_LIMIT_BOUNDS.points),
    seconds: int("The window", RATE_LIMIT_BOUNDS.seconds, " seconds"),
  })
  .strict();

/** Stored rate limits: each entry point's, the default where none is stored (or one is stored wrong). */
function parseRateLimits(raw: unknown): RateLimitSettings {
  const obj = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  return Object.fromEntries(LIMIT_NAMES.map((n) => [n, parseStored(RateLimitSchema, obj[n], DEFAULT_RATE_LIMITS[n], `${RATE_LIMITS_KEY}.${n}`)])) as RateLimitSettings;
}

type Cache = {
  rules: Record<StrikeRule, EffectiveRule>;
  strike: StrikeSettings;
  allowList: AllowEntry[];
  allow: IpMatcher;
  rateLimits: RateLimitSettings;
  loadedAt: number;
};

function build(strike: StrikeSettings, allowList: AllowEntry[], loadedAt: number, rateLimits: RateLimitSettings = DEFAULT_RATE_LIMITS): Cache {
  const allow = new IpMatcher();
  for (const e of allowList) {
    try {
      allow.add(parseIpRange(e.address, { lenient: true }));
    } catch {
      // A hand-edited row that doesn't parse protects nobody; the others still apply.
    }
  }
  const rules = Object.fromEntries(STRIKE_RULE_NAMES.map((r) => [r, effectiveRule(r, strike[r])])) as Record<StrikeRule, EffectiveRule>;
  return { rules, strike, allowList, allow, rateLimits, loadedAt };
}

/**
 * The effective settings of this process, so the strike code and the
 * per-request allow-list check never query for them. Until the first load
 * (and with no rows stored) they are the brief's defaults. Reloaded with the
 * block list (every 5 s on every instance, by server.ts's ip-blocks refresh)
 * and at once after a change made in this process.
 */
const cache = () => singleton<Cache>("security-settings", () => build(DEFAULT_STRIKE_RULES, [], 0));

/** A stored value that no longer parses falls back to the defaults: a typo must not disable the defence or break sign-in. */
function parseStored<T>(schema: z.ZodType<T>, raw: unknown, fallback: T, key: string): T {
  if (raw == null) return fallback;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  logger.warn({ key, issues: parsed.error.issues.slice(0, 3) }, "stored security setting is invalid; using the defaults");
  return fallback;
}

/** Rule by rule: one rule stored wrong falls back to its defaults, the others keep what was set. */
function parseStrikeRules(raw: unknown): StrikeSettings {
  const whole = StrikeSettings.safeParse(raw ?? {});
  if (whole.success) return whole.data as StrikeSettings;
  const obj = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  return Object.fromEntries(
    STRIKE_RULE_NAMES.map((r) => [r, parseStored(RuleSettingsSchema, obj[r], DEFAULT_STRIKE_RULES[r], `${STRIKE_SETTINGS_KEY}.${r}`)]),
  ) as StrikeSettings;
}

export type SecuritySettings = { strikeRules: StrikeSettings; allowList: AllowEntry[]; rateLimits: RateLimitSettings };

/** The stored settings with defaults filled in, read from `db` (inside a transaction: that transaction's view). */
export async function loadSecuritySettings(db: Db): Promise<SecuritySettings> {
  const rows = await db
    .select({ key: settings.key, value: settings.value })
    .from(settings)
    .where(inArray(settings.key, [STRIKE_SETTINGS_KEY, ALLOW_LIST_KEY, RATE_LIMITS_KEY]));
  const get = (k: string) => rows.find((r) => r.key === k)?.value;
  return {
    strikeRules: parseStrikeRules(get(STRIKE_SETTINGS_KEY)),
    allowList: parseStored(StoredAllowList, get(ALLOW_LIST_KEY), { entries: [] }, ALLOW_LIST_KEY).entries,
    rateLimits: parseRateLimits(get(RATE_LIMITS_KEY)),
  };
}

/** Reload this process's view (called by `refreshIpBlocks`, and after a change commits). */
export async function refreshSecuritySettings(db: Db, now = new Date()): Promise<void> {
  const s = await loadSecuritySettings(db);
  Object.assign(cache(), build(s.strikeRules, s.allowList, now.getTime(), s.rateLimits));
}

/** A rate limit as this process applies it now (before RATE_LIMIT_FACTOR). */
export function rateLimitSetting(name: LimitName): RateLimitSetting {
  return cache().rateLimits[name];
}

/** A rule's thresholds as this process applies them now. */
export function strikeRuleSettings(rule: StrikeRule): EffectiveRule {
  return cache().rules[rule];
}

/** The longest window of any rule: strikes older than it count for nothing. */
export function longestStrikeWindowMs(): number {
  return Math.max(...STRIKE_RULE_NAMES.map((r) => cache().rules[r].windowMs));
}

/**
 * An allow-listed client (a health checker, the office network) is never
 * struck and never blocked, automatically or manually. Synchronous: it runs
 * inside the per-request block check.
 */
export function isAllowListed(ip: string): boolean {
  return cache().allow.has(ip);
}

/** What the back office's Security page shows: each rule with its default beside it, and the allow-list. */
export type SecuritySettingsView = {
  strikeRules: Record<StrikeRule, RuleSettings & { defaults: RuleSettings; reason: string }>;
  allowList: AllowEntry[];
  /** As stored (before RATE_LIMIT_FACTOR), each with its default. */
  storedRateLimits: Record<LimitName, RateLimitSetting & { defaults: RateLimitSetting }>;
  bounds: typeof RULE_BOUNDS;
  rateLimitBounds: typeof RATE_LIMIT_BOUNDS;
  maxAllowList: number;
};

/** The settings as stored now (fresh from the database, not this process's cached view). */
export async function readSecuritySettings(db: Db): Promise<SecuritySettingsView> {
  const s = await loadSecuritySettings(db);
  const strikeRules = Object.fromEntries(
    STRIKE_RULE_NAMES.map((r) => [r, { ...s.strikeRules[r], defaults: DEFAULT_STRIKE_RULES[r], reason: effectiveRule(r, s.strikeRules[r]).reason }]),
  ) as SecuritySettingsView["strikeRules"];
  const rateLimits = Object.fromEntries(LIMIT_NAMES.map((n) => [n, { ...s.rateLimits[n], defaults: DEFAULT_RATE_LIMITS[n] }])) as SecuritySettingsView["storedRateLimits"];
  return { strikeRules, allowList: s.allowList, storedRateLimits: rateLimits, bounds: RULE_BOUNDS, rateLimitBounds: RATE_LIMIT_BOUNDS, maxAllowList: MAX_ALLOW_LIST };
}

/** Serialise writers of one settings key: a read-modify-write of the JSON must not lose a concurrent change. */
export async function lockSettingsKey(db: Db, key: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`settings:${key}`}, 0))`);
}

/** Upsert one settings row (inside the caller's transaction). */
export async function writeSetting(db: Db, key: string, value: unknown, by: { userId: number | null; now: Date }): Promise<void> {
  await db
    .insert(settings)
    .values({ key, value, updatedById: by.userId, updatedAt: by.now })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedById: by.userId, updatedAt: by.now } });
}

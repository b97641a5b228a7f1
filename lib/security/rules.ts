import { strikeRule, type StrikeRule } from "../../db/schema";

export const STRIKE_RULE_NAMES: readonly StrikeRule[] = strikeRule.enumValues;

/** One rule's thresholds as staff see and edit them (whole minutes). */
export type RuleSettings = { limit: number; windowMinutes: number; blockMinutes: number };

/** A rule as the strike code applies it. */
export type EffectiveRule = { limit: number; windowMs: number; blockMs: number; reason: string };

/**
 * The product brief's thresholds ("Automatic IP-block system"): the defaults
 * until an admin changes them on the back office's Security page.
 */
export const DEFAULT_STRIKE_RULES: Record<StrikeRule, RuleSettings> = {
  login: { limit: 5, windowMinutes: 10, blockMinutes: 30 },
  scanner: { limit: 50, windowMinutes: 10, blockMinutes: 60 },
  upload: { limit: 8, windowMinutes: 10, blockMinutes: 120 },
  rate_limit: { limit: 5, windowMinutes: 10, blockMinutes: 20 },
};

/** Bounds on what an admin may set: anything outside is a typo or an attack on the defence itself. */
export const RULE_BOUNDS = {
  limit: { min: 1, max: 10_000 },
  windowMinutes: { min: 1, max: 24 * 60 },
  blockMinutes: { min: 1, max: 30 * 24 * 60 },
} as const;

const WHAT: Record<StrikeRule, [string, string]> = {
  login: ["failed sign-in", "failed sign-ins"],
  scanner: ["suspicious request", "suspicious requests"],
  upload: ["bad upload", "bad uploads"],
  rate_limit: ["rate-limit hit", "rate-limit hits"],
};

/** "10 minutes", "1 hour", "90 minutes", "2 days". */
export function formatMinutes(min: number): string {
  const unit = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  if (min % (24 * 60) === 0) return unit(min / (24 * 60), "day");
  if (min % 60 === 0) return unit(min / 60, "hour");
  return unit(min, "minute");
}

/** The reason an automatic block shows: "5 failed sign-ins in 10 minutes". */
export function ruleReason(rule: StrikeRule, s: RuleSettings): string {
  const [one, many] = WHAT[rule];
  return `${s.limit} ${s.limit === 1 ? one : many} in ${formatMinutes(s.windowMinutes)}`;
}

export function effectiveRule(rule: StrikeRule, s: RuleSettings): EffectiveRule {
  return { limit: s.limit, windowMs: s.windowMinutes * 60_000, blockMs: s.blockMinutes * 60_000, reason: ruleReason(rule, s) };
}

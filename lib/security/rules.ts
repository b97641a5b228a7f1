import type { StrikeRule } from "../../db/schema";

const MIN = 60_000;

/** Strike thresholds from the product brief ("Automatic IP-block system"). */
export const STRIKE_RULES: Record<StrikeRule, { limit: number; windowMs: number; blockMs: number; reason: string }> = {
  login: { limit: 5, windowMs: 10 * MIN, blockMs: 30 * MIN, reason: "5 failed sign-ins in 10 minutes" },
  scanner: { limit: 50, windowMs: 10 * MIN, blockMs: 60 * MIN, reason: "50 suspicious requests in 10 minutes" },
  upload: { limit: 8, windowMs: 10 * MIN, blockMs: 120 * MIN, reason: "8 bad uploads in 10 minutes" },
  rate_limit: { limit: 5, windowMs: 10 * MIN, blockMs: 20 * MIN, reason: "5 rate-limit hits in 10 minutes" },
};

import type { Db } from "../../db/client";
import { AppError } from "../errors";
import { claimLoginAttempt, settleLoginAttempt } from "../security/strikes";

/**
 * Guess at a secret — a password, a second-factor code, a recovery code —
 * as one of the client's sign-in attempts (the `login` strike rule: 5
 * failures in 10 minutes block the address for 30, an IPv6 /64 counting as
 * one client). The attempt is claimed before `check` runs, so a burst costs
 * at most the rule's limit in checks; a non-null result gives the claim back,
 * unless a block landed meanwhile (then `blocked` wins); null turns it into
 * a strike. All these steps share one budget per address.
 */
export async function withLoginAttempt<T>(db: Db, ip: string, now: Date, check: () => Promise<T | null>): Promise<T | null> {
  const attempt = await claimLoginAttempt(db, ip, now);
  if (attempt === "blocked") throw new AppError("blocked", "Blocked.");
  if (attempt === "busy") {
    throw new AppError("rate_limited", "Too many sign-in attempts at once. Try again in a moment.", { details: { retryAfterSeconds: 5 } });
  }
  const found = await check();
  if (await settleLoginAttempt(db, ip, attempt, found !== null, now)) throw new AppError("blocked", "Blocked.");
  return found;
}

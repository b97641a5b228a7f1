import { createHash } from "node:crypto";
import { and, count, eq, gt, lt, max, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { signInFailures } from "../../db/schema";
import { AppError } from "../errors";

/*
 * Per-account sign-in slowdown (issue 9, item 3). Failed sign-ins for one
 * account, from any number of addresses, make that account's next attempt
 * wait a little longer each time — never a lockout: at worst the real owner
 * waits a minute, so an attacker can't use it to keep them out. The per-IP
 * `login` strike rule still blocks any one address after its 5th failure.
 */

/** Failures older than this no longer count (the quiet period after which the counter forgets). */
export const ACCOUNT_FAILURE_WINDOW_MS = 15 * 60_000;
/** This many failures in the window cost nothing: a forgotten password takes a few tries. */
export const FREE_ACCOUNT_FAILURES = 3;
/** The delay never grows past this: slow enough to stop guessing, short enough for the owner. */
export const MAX_ACCOUNT_DELAY_MS = 60_000;

/**
 * How long the next attempt must wait after the latest of `failures` failures
 * in the window: nothing for the first 3, then 1 s after the 4th, doubling
 * (2, 4, 8, 16, 32 s) to a cap of 60 s from the 10th on.
 */
export function accountDelayMs(failures: number): number {
  if (failures <= FREE_ACCOUNT_FAILURES) return 0;
  return Math.min(MAX_ACCOUNT_DELAY_MS, 1000 * 2 ** (failures - FREE_ACCOUNT_FAILURES - 1));
}

/**
 * The account a sign-in is for: the login as typed, trimmed and lowercased —
 * the same key whether or not such an account exists, so the delay never
 * tells an attacker which logins are real — and hashed, so the table doesn't
 * keep what people typed (sometimes a password, into the wrong box).
 */
export function accountKey(login: string): string {
  return createHash("sha256").update(login.trim().toLowerCase()).digest("hex");
}

async function lockAccount(db: Db, key: string) {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`signin:${key}`}, 0))`);
}

/** A claimed attempt: counts as a failure until it settles. */
export type AccountClaim = { id: number };
export type AccountWait = { waitMs: 0; claim: AccountClaim } | { waitMs: number; claim: null };

/**
 * Before a password is checked for `login`: if the account's recent failures
 * call for a wait, how long (nothing is recorded); otherwise claim the
 * attempt. The claim counts as a failure until `recordAccountFailure` or
 * `clearAccountFailures` settles it, and the check and the claim run under
 * one lock per account, so a burst of parallel attempts gets the same few
 * free tries as a sequence would, not one each.
 */
export async function accountSignInWait(db: Db, login: string, now = new Date()): Promise<AccountWait> {
  const key = accountKey(login);
  return db.transaction(async (txDb) => {
    const tx = txDb as unknown as Db;
    await lockAccount(tx, key);
    const [{ n, last }] = await tx
      .select({ n: count(), last: max(signInFailures.failedAt) })
      .from(signInFailures)
      .where(and(eq(signInFailures.accountKey, key), gt(signInFailures.failedAt, new Date(now.getTime() - ACCOUNT_FAILURE_WINDOW_MS))));
    const waitMs = n > 0 && last ? new Date(last).getTime() + accountDelayMs(n) - now.getTime() : 0;
    if (waitMs > 0) return { waitMs, claim: null };
    const [row] = await tx.insert(signInFailures).values({ accountKey: key, pending: true, failedAt: now }).returning({ id: signInFailures.id });
    return { waitMs: 0 as const, claim: { id: row.id } };
  });
}

/** After a wrong password (or a disabled account): the claim becomes a failure, timed now. */
export async function recordAccountFailure(db: Db, login: string, now = new Date(), claim?: AccountClaim | null): Promise<void> {
  const key = accountKey(login);
  await db.transaction(async (txDb) => {
    const tx = txDb as unknown as Db;
    await lockAccount(tx, key);
    const settled = claim
      ? await tx
          .update(signInFailures)
          .set({ pending: false, failedAt: now })
          .where(and(eq(signInFailures.id, claim.id), eq(signInFailures.accountKey, key)))
          .returning({ id: signInFailures.id })
      : [];
    // No claim, or a success cleared it meanwhile: the failure still counts.
    if (settled.length === 0) await tx.insert(signInFailures).values({ accountKey: key, failedAt: now });
  });
}

/**
 * Give back a claim that never reached a password check (the address was
 * refused first: blocked, or its attempts all in flight) — it isn't this
 * account's failure.
 */
export async function releaseAccountClaim(db: Db, claim: AccountClaim | null): Promise<void> {
  if (claim) await db.delete(signInFailures).where(and(eq(signInFailures.id, claim.id), eq(signInFailures.pending, true)));
}

/** After a successful sign-in: the account starts afresh. */
export async function clearAccountFailures(db: Db, login: string): Promise<void> {
  await db.delete(signInFailures).where(eq(signInFailures.accountKey, accountKey(login)));
}

/** "Too many failed attempts for this account. Try again in 8 seconds." */
export function accountWaitMessage(waitMs: number): string {
  const s = Math.max(1, Math.ceil(waitMs / 1000));
  return `Too many failed attempts for this account. Try again in ${s} second${s === 1 ? "" : "s"}.`;
}

/** The refusal for a sign-in that must wait: a 429 with Retry-After and the message above. */
export function accountWaitError(waitMs: number): AppError {
  return new AppError("rate_limited", accountWaitMessage(waitMs), { details: { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) } });
}

/** Forget failures older than the window (run with the strike sweep). */
export async function sweepAccountFailures(db: Db, now: Date): Promise<number> {
  const res = await db
    .delete(signInFailures)
    .where(lt(signInFailures.failedAt, new Date(now.getTime() - ACCOUNT_FAILURE_WINDOW_MS)))
    .returning({ id: signInFailures.id });
  return res.length;
}

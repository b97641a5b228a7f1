import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";
import { staffActor } from "../ctx";
import { AppError } from "../errors";
import { safeNext } from "./permissions";
import { isTwoFactorRequired, readSecurityPolicy } from "./security-policy";
import { sealSession, type StaffUser } from "./session";
import { signIn, withAccountThrottle } from "./sign-in";
import {
  enableTwoFactor,
  enrolmentFor,
  openPending,
  SECOND_FACTOR_TTL_MS,
  sealPending,
  verifySecondFactor,
  type Enrolment,
} from "./two-factor";
import { withLoginAttempt } from "./login-attempt";
import { matchTotp } from "./totp";

/** Where a request comes from: recorded on the session row (the device list shows it). */
export type Client = { db: Db; ip: string; userAgent: string | null; now: Date };

export type SignedIn = {
  status: "signed_in";
  user: Pick<StaffUser, "id" | "displayName" | "role">;
  redirectTo: string;
  /** The Set-Cookie value's parts. */
  cookie: { value: string; maxAgeSeconds: number };
  /** Only right after enrolling at sign-in: shown once. */
  recoveryCodes?: string[];
};
export type SignInStep =
  | SignedIn
  /** Password right; the account uses two-factor sign-in: send `token` back with a code. */
  | { status: "second_factor"; token: string; expiresAt: string }
  /** Password right; the role requires two-factor sign-in and the account has none yet: enrol first. */
  | { status: "enroll"; enrolment: Enrolment };

/** Where to go after signing in (`safeNext` decides whether it is honoured). */
function nextOf(input: unknown): string | null {
  const next = (input as { next?: unknown } | null)?.next;
  return typeof next === "string" ? next.slice(0, 512) : null;
}

/** The session itself: its row and cookie, the user seen now. Only after every required factor. */
async function issueSession(c: Client, user: StaffUser, next: string | null | undefined): Promise<SignedIn> {
  const { sessions } = await readSecurityPolicy(c.db);
  const value = await sealSession({ userId: user.id, sessionVersion: user.sessionVersion }, { db: c.db, ip: c.ip, userAgent: c.userAgent, now: c.now });
  await c.db.update(users).set({ lastSeenAt: c.now, lastActivityAt: c.now }).where(eq(users.id, user.id));
  return {
    status: "signed_in",
    user: { id: user.id, displayName: user.displayName, role: user.role },
    redirectTo: safeNext(next, user.role),
    cookie: { value, maxAgeSeconds: sessions.absoluteHours * 3600 },
  };
}

/**
 * Step one: email/username and password (`signIn`, which counts the attempt
 * against the client's `login` strikes). Then, by the account:
 * - two-factor on → a short-lived sealed token for step two (not a session);
 * - off, but the role requires it → an enrolment (seed, QR code, token): the
 *   session is issued only once the first code confirms it, so no session
 *   ever exists for such a user without a second factor;
 * - otherwise → the session.
 */
export async function startSignIn(c: Client & { input: unknown }): Promise<SignInStep> {
  const next = nextOf(c.input);
  const user = await signIn({ db: c.db, ip: c.ip, now: c.now, input: c.input });
  if (user.totpSecret) {
    const exp = c.now.getTime() + SECOND_FACTOR_TTL_MS;
    const token = await sealPending({ purpose: "second_factor", userId: user.id, sessionVersion: user.sessionVersion, next, exp });
    return { status: "second_factor", token, expiresAt: new Date(exp).toISOString() };
  }
  if (await isTwoFactorRequired(c.db, user.role)) {
    return { status: "enroll", enrolment: await enrolmentFor(user, { purpose: "sign_in_enrolment", next }, c.now) };
  }
  return issueSession(c, user, next);
}

export const CodeStepInput = z.object({
  token: z.string().min(1).max(4096),
  code: z.string().trim().min(1, "Enter the code.").max(40),
});

const EXPIRED = "This sign-in has expired. Enter your password again.";

/** The user a pending token names, if they may still sign in (same session generation, enabled). */
async function pendingUser(db: Db, p: { userId: number; sessionVersion: number }): Promise<StaffUser | null> {
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, p.userId), eq(users.sessionVersion, p.sessionVersion), eq(users.disabled, false)))
    .limit(1);
  return user ?? null;
}

/**
 * Step two: a code from the authenticator app, or a recovery code. Counts
 * toward the same `login` strike rule as the password (claimed before the
 * check, given back on success), so the second step can't be guessed at
 * more freely than the first.
 */
export async function completeSecondFactor(c: Client & { input: unknown }): Promise<SignedIn> {
  const { token, code } = CodeStepInput.parse(c.input);
  const pending = await openPending(token, "second_factor", c.now);
  if (!pending) throw new AppError("unauthenticated", EXPIRED);
  // Its own per-account counter: a correct password (which clears the password's) must not reset the codes'.
  const user = await withAccountThrottle(c.db, c.ip, `second-factor:${pending.userId}`, c.now, () =>
    withLoginAttempt(c.db, c.ip, c.now, async () => {
      const u = await pendingUser(c.db, pending);
      if (!u?.totpSecret) return null;
      return (await verifySecondFactor({ actor: staffActor(u), db: c.db, now: c.now, ip: c.ip }, u, code)) ? u : null;
    }),
  );
  if (!user) throw new AppError("unauthenticated", "That code didn't work. Try the newest code from your app, or a recovery code.");
  return issueSession(c, user, pending.next);
}

/**
 * Step two for a user whose role requires two-factor sign-in and who has
 * none yet: the first code from the app switches it on (ten recovery codes
 * returned, once) and only then is the session issued. A wrong code counts
 * as a failed sign-in attempt.
 */
export async function completeSignInEnrolment(c: Client & { input: unknown }): Promise<SignedIn> {
  const { token, code } = CodeStepInput.parse(c.input);
  const pending = await openPending(token, "sign_in_enrolment", c.now);
  if (!pending) throw new AppError("unauthenticated", EXPIRED);
  const match = await withLoginAttempt(c.db, c.ip, c.now, async () => {
    const u = await pendingUser(c.db, pending);
    const step = u && !u.totpSecret ? matchTotp(pending.secret, code, c.now, null) : null;
    return u && step !== null ? { user: u, step } : null;
  });
  if (!match) throw new AppError("unauthenticated", "That code doesn't match. Check the time on your phone and try the newest code.");
  const { result } = await enableTwoFactor({
    ctx: { actor: staffActor(match.user), db: c.db, now: c.now, ip: c.ip },
    input: { secret: pending.secret, step: match.step },
  });
  const [fresh] = await c.db.select().from(users).where(eq(users.id, match.user.id));
  return { ...(await issueSession(c, fresh, pending.next)), recoveryCodes: result.recoveryCodes };
}

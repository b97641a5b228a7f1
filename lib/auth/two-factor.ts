import { and, count, eq, isNull, or, lt } from "drizzle-orm";
import { sealData, unsealData } from "iron-session";
import { z } from "zod";
import type { Db } from "../../db/client";
import { staffRecoveryCodes, users } from "../../db/schema";
import { audit } from "../audit";
import { staffActor, withTransaction, type Ctx, type StaffCtx } from "../ctx";
import { getEnv } from "../env";
import { AppError } from "../errors";
import { noEffects, type VerbResult } from "../verb";
import { withLoginAttempt } from "./login-attempt";
import { verifyPassword } from "./password";
import { assertCan } from "./permissions";
import { isTwoFactorRequired } from "./security-policy";
import { hashRecoveryCode, openSecret, sealSecret } from "./secret-box";
import type { StaffUser } from "./session";
import {
  looksLikeRecoveryCode,
  looksLikeTotpCode,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  normalizeRecoveryCode,
  totpQrDataUrl,
  totpUri,
} from "./totp";

// ---------------------------------------------------------------------------
// Short-lived sealed tokens: "password checked, second factor pending" and
// "enrolment started". Not sessions: nothing but the matching step accepts one.

/** Password → code: long enough to open the app and type, short enough to be useless later. */
export const SECOND_FACTOR_TTL_MS = 5 * 60_000;
/** Scanning a QR code and typing the first code takes longer. */
export const ENROLMENT_TTL_MS = 10 * 60_000;

const Next = z.string().max(512).nullable();
const Pending = z.discriminatedUnion("purpose", [
  z.object({ purpose: z.literal("second_factor"), userId: z.number().int(), sessionVersion: z.number().int(), next: Next, exp: z.number() }),
  z.object({
    purpose: z.literal("sign_in_enrolment"),
    userId: z.number().int(),
    sessionVersion: z.number().int(),
    secret: z.string(),
    next: Next,
    exp: z.number(),
  }),
  z.object({ purpose: z.literal("account_enrolment"), userId: z.number().int(), sessionVersion: z.number().int(), secret: z.string(), exp: z.number() }),
]);
export type Pending = z.infer<typeof Pending>;
type PendingOf<P extends Pending["purpose"]> = Extract<Pending, { purpose: P }>;

export async function sealPending(p: Pending): Promise<string> {
  const ttlSeconds = Math.ceil((p.exp - Date.now()) / 1000) + 60;
  return sealData(p, { password: getEnv().sessionSecret, ttl: Math.max(60, ttlSeconds) });
}

/** The token's content if it is ours, of this purpose and not expired at `now`; else null. */
export async function openPending<P extends Pending["purpose"]>(token: unknown, purpose: P, now: Date): Promise<PendingOf<P> | null> {
  if (typeof token !== "string" || token.length === 0 || token.length > 4096) return null;
  try {
    const parsed = Pending.safeParse(await unsealData<unknown>(token, { password: getEnv().sessionSecret }));
    if (!parsed.success || parsed.data.purpose !== purpose || parsed.data.exp <= now.getTime()) return null;
    return parsed.data as PendingOf<P>;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// Checking a second factor

/**
 * Check a code typed at the second step: a TOTP code (±1 step, never one
 * older than or equal to the last step used, claimed atomically so two
 * parallel requests can't both use it) or an unused recovery code (spent
 * atomically, audited). Returns how it was satisfied, or null.
 */
export async function verifySecondFactor(ctx: Ctx, user: StaffUser, code: string): Promise<"totp" | "recovery" | null> {
  if (!user.totpSecret) return null;
  if (looksLikeTotpCode(code)) {
    const secret = openSecret(user.totpSecret, user.id);
    const step = secret ? matchTotp(secret, code, ctx.now, user.totpLastStep) : null;
    if (step === null) return null;
    const claimed = await ctx.db
      .update(users)
      .set({ totpLastStep: step })
      .where(and(eq(users.id, user.id), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
      .returning({ id: users.id });
    return claimed.length ? "totp" : null;
  }
  if (looksLikeRecoveryCode(code)) {
    return withTransaction({ ...ctx, actor: staffActor(user) }, async (tx) => {
      const spent = await tx.db
        .update(staffRecoveryCodes)
        .set({ usedAt: ctx.now })
        .where(
          and(
            eq(staffRecoveryCodes.userId, user.id),
            eq(staffRecoveryCodes.codeHash, hashRecoveryCode(normalizeRecoveryCode(code))),
            isNull(staffRecoveryCodes.usedAt),
          ),
        )
        .returning({ id: staffRecoveryCodes.id });
      if (!spent.length) return null;
      await audit(tx, "auth.recovery_code_used", { type: "user", id: user.id }, { left: await recoveryCodesLeft(tx.db, user.id) });
      return "recovery" as const;
    });
  }
  return null;
}

async function recoveryCodesLeft(db: Db, userId: number): Promise<number> {
  const [{ n }] = await db
    .select({ n: count() })
    .from(staffRecoveryCodes)
    .where(and(eq(staffRecoveryCodes.userId, userId), isNull(staffRecoveryCodes.usedAt)));
  return n;
}

// ---------------------------------------------------------------------------
// Enrolment, recovery codes, turning it off

export type Enrolment = { token: string; secret: string; uri: string; qrDataUrl: string; expiresAt: string };

/** What the person needs to add the account to an app: the seed as a QR code and as text, and the token to confirm with. */
export async function enrolmentFor(
  user: StaffUser,
  pending: { purpose: "sign_in_enrolment"; next: string | null } | { purpose: "account_enrolment" },
  now: Date,
): Promise<Enrolment> {
  const secret = newTotpSecret();
  const exp = now.getTime() + ENROLMENT_TTL_MS;
  const token = await sealPending({ ...pending, userId: user.id, sessionVersion: user.sessionVersion, secret, exp });
  const uri = totpUri(secret, user.email);
  return { token, secret, uri, qrDataUrl: await totpQrDataUrl(uri), expiresAt: new Date(exp).toISOString() };
}

/** Replace a user's recovery codes with ten new ones; returns them in plain text, the only time they exist as such. */
async function replaceRecoveryCodes(ctx: Ctx, userId: number): Promise<string[]> {
  const codes = newRecoveryCodes();
  await ctx.db.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.userId, userId));
  await ctx.db.insert(staffRecoveryCodes).values(codes.map((c) => ({ userId, codeHash: hashRecoveryCode(normalizeRecoveryCode(c)), createdAt: ctx.now })));
  return codes;
}

/**
 * Switch two-factor sign-in on with a seed the person has just proven they
 * hold (`step`: the time step of the code they typed, so that code can't be
 * used again to sign in). The seed is stored encrypted; ten recovery codes
 * are made. Refused when it is already on (a second enrolment racing the first).
 */
export async function enableTwoFactor({
  ctx,
  input,
}: {
  ctx: StaffCtx;
  input: { secret: string; step: number };
}): Promise<VerbResult<{ recoveryCodes: string[] }>> {
  assertCan(ctx.actor, "profile.view");
  const userId = ctx.actor.userId;
  return withTransaction(ctx, async (tx) => {
    const on = await tx.db
      .update(users)
      .set({ totpSecret: sealSecret(input.secret, userId), totpEnabledAt: ctx.now, totpLastStep: input.step, updatedAt: ctx.now })
      .where(and(eq(users.id, userId), isNull(users.totpSecret)))
      .returning({ id: users.id });
    if (!on.length) throw new AppError("conflict", "Two-factor sign-in is already on.");
    const recoveryCodes = await replaceRecoveryCodes(tx, userId);
    await audit(tx, "auth.2fa_enabled", { type: "user", id: userId }, { method: "totp" });
    return { result: { recoveryCodes }, effects: noEffects() };
  });
}

async function loadSelf(ctx: StaffCtx): Promise<StaffUser> {
  const [user] = await ctx.db.select().from(users).where(eq(users.id, ctx.actor.userId)).limit(1);
  if (!user) throw new AppError("unauthenticated", "Please sign in.");
  return user;
}

export type TwoFactorStatus = { enabled: boolean; enabledAt: string | null; recoveryCodesLeft: number; required: boolean };

/** Whether I use two-factor sign-in, how many recovery codes I have left, and whether my role must. */
export async function getMyTwoFactor({ ctx }: { ctx: StaffCtx }): Promise<TwoFactorStatus> {
  assertCan(ctx.actor, "profile.view");
  const user = await loadSelf(ctx);
  return {
    enabled: !!user.totpSecret,
    enabledAt: user.totpEnabledAt?.toISOString() ?? null,
    recoveryCodesLeft: user.totpSecret ? await recoveryCodesLeft(ctx.db, user.id) : 0,
    required: await isTwoFactorRequired(ctx.db, user.role),
  };
}

/** Start enrolment from the account page: a new seed, not stored anywhere until confirmed. */
export async function beginMyTwoFactorEnrolment({ ctx }: { ctx: StaffCtx }): Promise<Enrolment> {
  assertCan(ctx.actor, "profile.view");
  const user = await loadSelf(ctx);
  if (user.totpSecret) throw new AppError("conflict", "Two-factor sign-in is already on.");
  return enrolmentFor(user, { purpose: "account_enrolment" }, ctx.now);
}

export const ConfirmEnrolmentInput = z.object({
  token: z.string().min(1).max(4096),
  code: z.string().trim().min(1, "Enter the 6-digit code from your app.").max(20),
});

/** Finish enrolment from the account page: the first code from the app proves the seed was added. */
export async function confirmMyTwoFactorEnrolment({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<{ recoveryCodes: string[] }>> {
  assertCan(ctx.actor, "profile.view");
  const { token, code } = ConfirmEnrolmentInput.parse(input);
  const pending = await openPending(token, "account_enrolment", ctx.now);
  if (!pending || pending.userId !== ctx.actor.userId) throw new AppError("bad_request", "This set-up has expired. Start again.");
  const step = matchTotp(pending.secret, code, ctx.now, null);
  if (step === null) {
    throw new AppError("bad_request", "That code doesn't match. Check the time on your phone and try the newest code.", {
      details: { fields: { code: "That code doesn't match." } },
    });
  }
  return enableTwoFactor({ ctx, input: { secret: pending.secret, step } });
}

/** Proof that it is really me at the keyboard: a current code (or a recovery code), or my password. */
export const ReauthInput = z
  .object({ code: z.string().trim().min(1).max(20).optional(), password: z.string().min(1).max(200).optional() })
  .strict()
  .refine((i) => !!i.code !== !!i.password, { message: "Enter a code from your app or your password." });

/** Check a reauthentication as a sign-in attempt (it is a guess at a secret too). */
async function assertReauth(ctx: StaffCtx, user: StaffUser, input: z.infer<typeof ReauthInput>): Promise<void> {
  const ok = await withLoginAttempt(ctx.db, ctx.ip ?? "", ctx.now, async () => {
    if (input.password) return (await verifyPassword(input.password, user.passwordHash)) ? true : null;
    return (await verifySecondFactor(ctx, user, input.code!)) ? true : null;
  });
  if (!ok) throw new AppError("forbidden", input.password ? "That password isn't right." : "That code didn't work.");
}

/**
 * Turn two-factor sign-in off (a current code, a recovery code or the
 * password required). Refused while the role requires it.
 */
export async function disableMyTwoFactor({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<null>> {
  assertCan(ctx.actor, "profile.view");
  const proof = ReauthInput.parse(input);
  const user = await loadSelf(ctx);
  if (!user.totpSecret) throw new AppError("conflict", "Two-factor sign-in is already off.");
  if (await isTwoFactorRequired(ctx.db, user.role)) {
    throw new AppError("forbidden", "Your role must use two-factor sign-in, so it can't be turned off.");
  }
  await assertReauth(ctx, user, proof);
  return withTransaction(ctx, async (tx) => {
    await tx.db
      .update(users)
      .set({ totpSecret: null, totpEnabledAt: null, totpLastStep: null, updatedAt: ctx.now })
      .where(eq(users.id, user.id));
    await tx.db.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.userId, user.id));
    await audit(tx, "auth.2fa_disabled", { type: "user", id: user.id }, { proof: proof.password ? "password" : "code" });
    return { result: null, effects: noEffects() };
  });
}

/** Ten new recovery codes; the old ones stop working (a current code or the password required). */
export async function regenerateMyRecoveryCodes({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<{ recoveryCodes: string[] }>> {
  assertCan(ctx.actor, "profile.view");
  const proof = ReauthInput.parse(input);
  const user = await loadSelf(ctx);
  if (!user.totpSecret) throw new AppError("conflict", "Turn on two-factor sign-in first.");
  await assertReauth(ctx, user, proof);
  return withTransaction(ctx, async (tx) => {
    const recoveryCodes = await replaceRecoveryCodes(tx, user.id);
    await audit(tx, "auth.recovery_codes_regenerated", { type: "user", id: user.id }, {});
    return { result: { recoveryCodes }, effects: noEffects() };
  });
}

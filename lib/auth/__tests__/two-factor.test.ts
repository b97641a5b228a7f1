import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { auditLog, blockedIps, settings, staffRecoveryCodes, staffSessions, strikes, users } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createStaff, FACTORY_PASSWORD, staffCtxFor } from "../../../tests/factories";
import { isAppError } from "../../errors";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "occ-2fa-"));
process.env.DATA_DIR = dataDir;
process.env.SESSION_SECRET = "test-session-secret-0123456789-abcdefghij";

const { findStaffBySession, findStaffSession } = await import("../session");
const { matchTotp, totpCodeAt, totpStep, newTotpSecret, RECOVERY_CODE_COUNT } = await import("../totp");
const { openSecret, sealSecret } = await import("../secret-box");
const two = await import("../two-factor");
const flow = await import("../sign-in-flow");
const { updateSecurityPolicy } = await import("../security-policy");

let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await h.db.delete(settings);
});

/** A fixed clock, 10 s into a 30 s step. */
const T0 = new Date("2031-03-04T09:00:10.000Z");
const STEP = 30_000;
const at = (ms: number) => new Date(T0.getTime() + ms);
let ipSeq = 0;
const ip = () => `198.51.100.${++ipSeq}`;

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}
const codeOf = async (p: Promise<unknown>) => {
  const e = await failure(p);
  return isAppError(e) ? e.code : (e as Error).name;
};

/** A user with two-factor sign-in on (seed known to the test), enrolled at T0 with the code of T0's step. */
async function enrolled(over: { role?: "admin" | "manager" | "agent" | "qa" } = {}) {
  const user = await createStaff(h.db, { role: over.role ?? "agent" });
  const secret = newTotpSecret();
  const { result } = await two.enableTwoFactor({ ctx: staffCtxFor(h.db, user, T0), input: { secret, step: totpStep(T0) } });
  const [row] = await h.db.select().from(users).where(eq(users.id, user.id));
  return { user: row, secret, recoveryCodes: result.recoveryCodes };
}

async function strikesOf(addr: string) {
  return h.db.select().from(strikes).where(eq(strikes.ip, addr));
}

describe("TOTP codes", () => {
  const secret = newTotpSecret();
  it("are accepted one step either side of now, and not two", () => {
    const now = totpStep(T0);
    expect(matchTotp(secret, totpCodeAt(secret, at(-STEP)), T0, null)).toBe(now - 1);
    expect(matchTotp(secret, totpCodeAt(secret, T0), T0, null)).toBe(now);
    expect(matchTotp(secret, totpCodeAt(secret, at(STEP)), T0, null)).toBe(now + 1);
    expect(matchTotp(secret, totpCodeAt(secret, at(-2 * STEP)), T0, null)).toBeNull();
    expect(matchTotp(secret, totpCodeAt(secret, at(2 * STEP)), T0, null)).toBeNull();
  });

  it("are 6 digits (spaces allowed), and never a step already used or older", () => {
    const code = totpCodeAt(secret, T0);
    expect(matchTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, T0, null)).toBe(totpStep(T0));
    expect(matchTotp(secret, code.slice(1), T0, null)).toBeNull();
    expect(matchTotp(secret, "abcdef", T0, null)).toBeNull();
    expect(matchTotp(secret, code, T0, totpStep(T0))).toBeNull();
    expect(matchTotp(secret, code, T0, totpStep(T0) - 1)).toBe(totpStep(T0));
    expect(matchTotp(secret, totpCodeAt(secret, at(-STEP)), T0, totpStep(T0))).toBeNull();
  });

  it("the seed is stored encrypted, bound to its user", async () => {
    const { user, secret: plain } = await enrolled();
    expect(user.totpSecret).not.toContain(plain);
    expect(openSecret(user.totpSecret!, user.id)).toBe(plain);
    expect(openSecret(user.totpSecret!, user.id + 1)).toBeNull();
    const parts = user.totpSecret!.split(".");
    parts[3] = parts[3].slice(0, -2) + (parts[3].endsWith("AA") ? "BB" : "AA");
    expect(openSecret(parts.join("."), user.id)).toBeNull();
    expect(sealSecret(plain, user.id)).not.toBe(sealSecret(plain, user.id));
  });
});

describe("verifySecondFactor", () => {
  it("a code can't be replayed inside its window, nor an older one used after it", async () => {
    const { user, secret } = await enrolled();
    const ctx = staffCtxFor(h.db, user, at(STEP));
    const next = totpCodeAt(secret, at(STEP));
    expect(await two.verifySecondFactor(ctx, user, next)).toBe("totp");
    const fresh = async () => (await h.db.select().from(users).where(eq(users.id, user.id)))[0];
    expect(await two.verifySecondFactor(ctx, await fresh(), next)).toBeNull();
    // The enrolment code (step T0) is older still.
    expect(await two.verifySecondFactor(ctx, await fresh(), totpCodeAt(secret, T0))).toBeNull();
    // The following step's code is fine.
    const later = staffCtxFor(h.db, user, at(2 * STEP));
    expect(await two.verifySecondFactor(later, await fresh(), totpCodeAt(secret, at(2 * STEP)))).toBe("totp");
  });

  it("two requests racing with one code: exactly one wins (the claim is one conditional update; without its guard both would)", async () => {
    const { user, secret } = await enrolled();
    const ctx = staffCtxFor(h.db, user, at(STEP));
    const code = totpCodeAt(secret, at(STEP));
    // Both start from the same snapshot of the user (same last step), as two parallel requests would.
    const results = await Promise.all([two.verifySecondFactor(ctx, user, code), two.verifySecondFactor(ctx, user, code)]);
    expect(results.filter((r) => r === "totp")).toHaveLength(1);
  });

  it("a recovery code works once, typed any way, and is audited", async () => {
    const { user, recoveryCodes } = await enrolled();
    expect(recoveryCodes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(recoveryCodes).size).toBe(RECOVERY_CODE_COUNT);
    const ctx = staffCtxFor(h.db, user, T0);
    const typed = recoveryCodes[3].toUpperCase().replace("-", " ");
    expect(await two.verifySecondFactor(ctx, user, typed)).toBe("recovery");
    expect(await two.verifySecondFactor(ctx, user, recoveryCodes[3])).toBeNull();
    expect(await two.verifySecondFactor(ctx, user, recoveryCodes[4])).toBe("recovery");
    const rows = await h.db.select().from(auditLog).where(and(eq(auditLog.action, "auth.recovery_code_used"), eq(auditLog.targetId, String(user.id))));
    expect(rows.map((r) => r.data.left).sort()).toEqual([8, 9]);
    // Stored hashed: no plain code in the table.
    const stored = await h.db.select().from(staffRecoveryCodes).where(eq(staffRecoveryCodes.userId, user.id));
    for (const c of recoveryCodes) expect(stored.map((s) => s.codeHash)).not.toContain(c);
    // Another user's code is nothing to me.
    const other = await enrolled();
    expect(await two.verifySecondFactor(ctx, user, other.recoveryCodes[0])).toBeNull();
  });

  it("two requests racing with one recovery code: exactly one wins", async () => {
    const { user, recoveryCodes } = await enrolled();
    const ctx = staffCtxFor(h.db, user, T0);
    const results = await Promise.all([two.verifySecondFactor(ctx, user, recoveryCodes[0]), two.verifySecondFactor(ctx, user, recoveryCodes[0])]);
    expect(results.filter((r) => r === "recovery")).toHaveLength(1);
  });
});

describe("enrolment on the account page", () => {
  it("shows the seed as a QR code and text, and switches on only once a code confirms it", async () => {
    const user = await createStaff(h.db);
    const ctx = staffCtxFor(h.db, user, T0);
    const e = await two.beginMyTwoFactorEnrolment({ ctx });
    expect(e.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(e.uri).toContain(`secret=${e.secret}`);
    expect(e.uri).toContain("issuer=OnlineChatCRM");
    expect(e.uri).toMatch(/algorithm=SHA1&digits=6&period=30/);
    // Not on yet, nothing stored.
    expect((await two.getMyTwoFactor({ ctx })).enabled).toBe(false);
    expect(await codeOf(two.confirmMyTwoFactorEnrolment({ ctx, input: { token: e.token, code: "000000" } }))).toBe("bad_request");
    const { result } = await two.confirmMyTwoFactorEnrolment({ ctx, input: { token: e.token, code: totpCodeAt(e.secret, T0) } });
    expect(result.recoveryCodes).toHaveLength(10);
    expect(await two.getMyTwoFactor({ ctx })).toMatchObject({ enabled: true, recoveryCodesLeft: 10, required: false });
    const [audited] = await h.db.select().from(auditLog).where(and(eq(auditLog.action, "auth.2fa_enabled"), eq(auditLog.targetId, String(user.id))));
    expect(audited).toBeDefined();
    // The confirming code itself can't then be used to sign in.
    const [row] = await h.db.select().from(users).where(eq(users.id, user.id));
    expect(await two.verifySecondFactor(ctx, row, totpCodeAt(e.secret, T0))).toBeNull();
    // Already on: a second enrolment is refused.
    expect(await codeOf(two.beginMyTwoFactorEnrolment({ ctx }))).toBe("conflict");
    expect(await codeOf(two.confirmMyTwoFactorEnrolment({ ctx, input: { token: e.token, code: totpCodeAt(e.secret, at(STEP)) } }))).toBe("conflict");
  });

  it("the set-up token expires after 10 minutes and is mine alone", async () => {
    const user = await createStaff(h.db);
    const e = await two.beginMyTwoFactorEnrolment({ ctx: staffCtxFor(h.db, user, T0) });
    const late = at(two.ENROLMENT_TTL_MS);
    expect(await codeOf(two.confirmMyTwoFactorEnrolment({ ctx: staffCtxFor(h.db, user, late), input: { token: e.token, code: totpCodeAt(e.secret, late) } }))).toBe(
      "bad_request",
    );
    const other = await createStaff(h.db);
    expect(await codeOf(two.confirmMyTwoFactorEnrolment({ ctx: staffCtxFor(h.db, other, T0), input: { token: e.token, code: totpCodeAt(e.secret, T0) } }))).toBe(
      "bad_request",
    );
    const justInTime = at(two.ENROLMENT_TTL_MS - 1);
    const { result } = await two.confirmMyTwoFactorEnrolment({
      ctx: staffCtxFor(h.db, user, justInTime),
      input: { token: e.token, code: totpCodeAt(e.secret, justInTime) },
    });
    expect(result.recoveryCodes).toHaveLength(10);
  });
});

describe("turning it off, new recovery codes", () => {
  it("off needs a current code or the password; a wrong one is a strike", async () => {
    const { user, secret } = await enrolled();
    const addr = ip();
    const ctx = { ...staffCtxFor(h.db, user, at(STEP)), ip: addr };
    expect(await codeOf(two.disableMyTwoFactor({ ctx, input: {} }))).toBe("ZodError");
    expect(await codeOf(two.disableMyTwoFactor({ ctx, input: { password: "nope" } }))).toBe("forbidden");
    expect(await codeOf(two.disableMyTwoFactor({ ctx, input: { code: "123456", password: FACTORY_PASSWORD } }))).toBe("ZodError");
    expect((await strikesOf(addr)).filter((s) => !s.pending)).toHaveLength(1);
    await two.disableMyTwoFactor({ ctx, input: { code: totpCodeAt(secret, at(STEP)) } });
    const [row] = await h.db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({ totpSecret: null, totpEnabledAt: null, totpLastStep: null });
    expect(await h.db.select().from(staffRecoveryCodes).where(eq(staffRecoveryCodes.userId, user.id))).toEqual([]);
    expect(await h.db.select().from(auditLog).where(and(eq(auditLog.action, "auth.2fa_disabled"), eq(auditLog.targetId, String(user.id))))).toHaveLength(1);
    expect(await codeOf(two.disableMyTwoFactor({ ctx, input: { password: FACTORY_PASSWORD } }))).toBe("conflict");
  });

  it("off is refused while the role requires it", async () => {
    const admin = await createStaff(h.db, { role: "admin" });
    const { user } = await enrolled({ role: "qa" });
    await updateSecurityPolicy({ ctx: staffCtxFor(h.db, admin, T0), input: { twoFactor: { requiredRoles: ["qa"] } } });
    expect(await codeOf(two.disableMyTwoFactor({ ctx: staffCtxFor(h.db, user, T0), input: { password: FACTORY_PASSWORD } }))).toBe("forbidden");
    expect((await two.getMyTwoFactor({ ctx: staffCtxFor(h.db, user, T0) })).required).toBe(true);
  });

  it("new recovery codes replace the old ones (password or code required)", async () => {
    const { user, recoveryCodes: old } = await enrolled();
    const ctx = { ...staffCtxFor(h.db, user, T0), ip: ip() };
    expect(await codeOf(two.regenerateMyRecoveryCodes({ ctx, input: { password: "wrong" } }))).toBe("forbidden");
    const { result } = await two.regenerateMyRecoveryCodes({ ctx, input: { password: FACTORY_PASSWORD } });
    expect(result.recoveryCodes).toHaveLength(10);
    expect(result.recoveryCodes).not.toContain(old[0]);
    expect(await two.verifySecondFactor(ctx, user, old[0])).toBeNull();
    expect(await two.verifySecondFactor(ctx, user, result.recoveryCodes[0])).toBe("recovery");
    expect(
      await h.db.select().from(auditLog).where(and(eq(auditLog.action, "auth.recovery_codes_regenerated"), eq(auditLog.targetId, String(user.id)))),
    ).toHaveLength(1);
  });
});

describe("two-step sign-in", () => {
  const client = (addr: string, now: Date) => ({ db: h.db, ip: addr, now, userAgent: "vitest" });

  it("without two-factor: the password is enough", async () => {
    const user = await createStaff(h.db, { role: "manager" });
    const step = await flow.startSignIn({ ...client(ip(), T0), input: { login: user.email, password: FACTORY_PASSWORD, next: "/manager/chats" } });
    if (step.status !== "signed_in") throw new Error(step.status);
    expect(step.redirectTo).toBe("/manager/chats");
    expect(step.cookie.maxAgeSeconds).toBe(7 * 24 * 3600);
    expect((await findStaffBySession(h.db, step.cookie.value, T0))?.id).toBe(user.id);
    const [row] = await h.db.select().from(users).where(eq(users.id, user.id));
    expect(row.lastSeenAt?.getTime()).toBe(T0.getTime());
  });

  it("with two-factor: the password gives a short-lived token, not a session; the code gives the session", async () => {
    const { user, secret } = await enrolled();
    const sessionsBefore = (await h.db.select().from(staffSessions).where(eq(staffSessions.userId, user.id))).length;
    const step = await flow.startSignIn({ ...client(ip(), at(STEP)), input: { login: user.username, password: FACTORY_PASSWORD, next: "/agent" } });
    if (step.status !== "second_factor") throw new Error(step.status);
    expect(await findStaffBySession(h.db, step.token, at(STEP))).toBeNull();
    expect(await h.db.select().from(staffSessions).where(eq(staffSessions.userId, user.id))).toHaveLength(sessionsBefore);
    const done = await flow.completeSecondFactor({ ...client(ip(), at(STEP)), input: { token: step.token, code: totpCodeAt(secret, at(STEP)) } });
    expect(done.redirectTo).toBe("/agent");
    const found = await findStaffSession(h.db, done.cookie.value, at(STEP));
    expect(found?.user.id).toBe(user.id);
    expect(found?.session.userAgent).toBe("vitest");
  });

  it("a recovery code does for the second step, once", async () => {
    const { user, recoveryCodes } = await enrolled();
    const start = async () => {
      const s = await flow.startSignIn({ ...client(ip(), T0), input: { login: user.email, password: FACTORY_PASSWORD } });
      if (s.status !== "second_factor") throw new Error(s.status);
      return s.token;
    };
    const done = await flow.completeSecondFactor({ ...client(ip(), T0), input: { token: await start(), code: recoveryCodes[0] } });
    expect(done.status).toBe("signed_in");
    expect(await codeOf(flow.completeSecondFactor({ ...client(ip(), T0), input: { token: await start(), code: recoveryCodes[0] } }))).toBe("unauthenticated");
  });

  it("the token lasts 5 minutes, both sides", async () => {
    const { user, secret } = await enrolled();
    const token = async () => {
      const s = await flow.startSignIn({ ...client(ip(), at(STEP)), input: { login: user.email, password: FACTORY_PASSWORD } });
      if (s.status !== "second_factor") throw new Error(s.status);
      return s.token;
    };
    const late = at(STEP + two.SECOND_FACTOR_TTL_MS);
    expect(await codeOf(flow.completeSecondFactor({ ...client(ip(), late), input: { token: await token(), code: totpCodeAt(secret, late) } }))).toBe(
      "unauthenticated",
    );
    const edge = at(STEP + two.SECOND_FACTOR_TTL_MS - 1);
    expect((await flow.completeSecondFactor({ ...client(ip(), edge), input: { token: await token(), code: totpCodeAt(secret, edge) } })).status).toBe("signed_in");
  });

  it("a token from before a sign-out everywhere (or for a disabled account) is dead", async () => {
    const { user, secret } = await enrolled();
    const s = await flow.startSignIn({ ...client(ip(), at(STEP)), input: { login: user.email, password: FACTORY_PASSWORD } });
    if (s.status !== "second_factor") throw new Error(s.status);
    await h.db.update(users).set({ sessionVersion: user.sessionVersion + 1 }).where(eq(users.id, user.id));
    expect(await codeOf(flow.completeSecondFactor({ ...client(ip(), at(STEP)), input: { token: s.token, code: totpCodeAt(secret, at(STEP)) } }))).toBe(
      "unauthenticated",
    );
  });

  it("the second step counts toward the login strike rule: the 5th wrong code blocks the address", async () => {
    const { user, secret } = await enrolled();
    const addr = ip();
    const s = await flow.startSignIn({ ...client(addr, at(STEP)), input: { login: user.email, password: FACTORY_PASSWORD } });
    if (s.status !== "second_factor") throw new Error(s.status);
    // The right password gave its claim back.
    expect(await strikesOf(addr)).toHaveLength(0);
    const wrong = totpCodeAt(secret, at(10 * STEP));
    for (let i = 1; i <= 4; i++) {
      expect(await codeOf(flow.completeSecondFactor({ ...client(addr, at(STEP)), input: { token: s.token, code: wrong } }))).toBe("unauthenticated");
      expect(await strikesOf(addr)).toHaveLength(i);
    }
    expect(await h.db.select().from(blockedIps).where(eq(blockedIps.address, addr))).toHaveLength(0);
    // Codes have their own per-account slowdown too: the 5th wrong one right away is told to wait…
    expect(await codeOf(flow.completeSecondFactor({ ...client(addr, at(STEP)), input: { token: s.token, code: wrong } }))).toBe("rate_limited");
    // …and once the wait (1 s) is over, it blocks the address.
    expect(await codeOf(flow.completeSecondFactor({ ...client(addr, at(STEP + 1_500)), input: { token: s.token, code: wrong } }))).toBe("blocked");
    expect(await h.db.select().from(blockedIps).where(eq(blockedIps.address, addr))).toHaveLength(1);
    // Even the right code is refused now.
    expect(await codeOf(flow.completeSecondFactor({ ...client(addr, at(STEP + 1_500)), input: { token: s.token, code: totpCodeAt(secret, at(STEP)) } }))).toBe(
      "blocked",
    );
  });

  it("passwords and codes share one budget: 3 wrong passwords + 2 wrong codes block", async () => {
    const { user } = await enrolled();
    const addr = ip();
    for (let i = 0; i < 3; i++) {
      expect(await codeOf(flow.startSignIn({ ...client(addr, T0), input: { login: user.email, password: "wrong" } }))).toBe("unauthenticated");
    }
    const s = await flow.startSignIn({ ...client(addr, T0), input: { login: user.email, password: FACTORY_PASSWORD } });
    if (s.status !== "second_factor") throw new Error(s.status);
    expect(await codeOf(flow.completeSecondFactor({ ...client(addr, T0), input: { token: s.token, code: "000000" } }))).toBe("unauthenticated");
    expect(await codeOf(flow.completeSecondFactor({ ...client(addr, T0), input: { token: s.token, code: "000001" } }))).toBe("blocked");
  });

  it("a right code gives its claim back (no strike); a malformed request is a 400 without one", async () => {
    const { user, secret } = await enrolled();
    const addr = ip();
    const s = await flow.startSignIn({ ...client(addr, at(STEP)), input: { login: user.email, password: FACTORY_PASSWORD } });
    if (s.status !== "second_factor") throw new Error(s.status);
    expect(await codeOf(flow.completeSecondFactor({ ...client(addr, at(STEP)), input: { token: s.token } }))).toBe("ZodError");
    expect(await codeOf(flow.completeSecondFactor({ ...client(addr, at(STEP)), input: { token: "garbage", code: "123456" } }))).toBe("unauthenticated");
    await flow.completeSecondFactor({ ...client(addr, at(STEP)), input: { token: s.token, code: totpCodeAt(secret, at(STEP)) } });
    expect(await strikesOf(addr)).toHaveLength(0);
  });
});

describe("the per-role requirement", () => {
  const client = (addr: string, now: Date) => ({ db: h.db, ip: addr, now, userAgent: "vitest" });

  it("a required role without two-factor enrols at sign-in before any session exists; other roles don't", async () => {
    const admin = await createStaff(h.db, { role: "admin" });
    await updateSecurityPolicy({ ctx: staffCtxFor(h.db, admin, T0), input: { twoFactor: { requiredRoles: ["agent", "agent"] } } });
    const agent = await createStaff(h.db, { role: "agent" });
    const manager = await createStaff(h.db, { role: "manager" });
    expect((await flow.startSignIn({ ...client(ip(), T0), input: { login: manager.email, password: FACTORY_PASSWORD } })).status).toBe("signed_in");

    const step = await flow.startSignIn({ ...client(ip(), T0), input: { login: agent.email, password: FACTORY_PASSWORD, next: "/agent" } });
    if (step.status !== "enroll") throw new Error(step.status);
    expect(step.enrolment.qrDataUrl).toMatch(/^data:image\/png/);
    expect(await h.db.select().from(staffSessions).where(eq(staffSessions.userId, agent.id))).toEqual([]);
    // The enrolment token is no session, and no second-factor token either.
    expect(await findStaffBySession(h.db, step.enrolment.token, T0)).toBeNull();
    expect(
      await codeOf(flow.completeSecondFactor({ ...client(ip(), T0), input: { token: step.enrolment.token, code: totpCodeAt(step.enrolment.secret, T0) } })),
    ).toBe("unauthenticated");
    // A wrong first code is a failed attempt.
    const addr = ip();
    expect(await codeOf(flow.completeSignInEnrolment({ ...client(addr, T0), input: { token: step.enrolment.token, code: "000000" } }))).toBe("unauthenticated");
    expect(await strikesOf(addr)).toHaveLength(1);

    const done = await flow.completeSignInEnrolment({ ...client(ip(), T0), input: { token: step.enrolment.token, code: totpCodeAt(step.enrolment.secret, T0) } });
    expect(done.recoveryCodes).toHaveLength(10);
    expect(done.redirectTo).toBe("/agent");
    expect((await findStaffBySession(h.db, done.cookie.value, T0))?.id).toBe(agent.id);
    // From now on: password, then code.
    const again = await flow.startSignIn({ ...client(ip(), at(STEP)), input: { login: agent.email, password: FACTORY_PASSWORD } });
    expect(again.status).toBe("second_factor");
    // The enrolment can't be replayed to reset the seed.
    expect(
      await codeOf(flow.completeSignInEnrolment({ ...client(ip(), at(STEP)), input: { token: step.enrolment.token, code: totpCodeAt(step.enrolment.secret, at(STEP)) } })),
    ).toBe("unauthenticated");
  });

  it("an account-page enrolment token can't stand in for a sign-in (which would skip the password)", async () => {
    const admin = await createStaff(h.db, { role: "admin" });
    await updateSecurityPolicy({ ctx: staffCtxFor(h.db, admin, T0), input: { twoFactor: { requiredRoles: ["qa"] } } });
    const qa = await createStaff(h.db, { role: "qa" });
    const e = await two.beginMyTwoFactorEnrolment({ ctx: staffCtxFor(h.db, qa, T0) });
    expect(await codeOf(flow.completeSignInEnrolment({ ...client(ip(), T0), input: { token: e.token, code: totpCodeAt(e.secret, T0) } }))).toBe(
      "unauthenticated",
    );
  });

  it("the requirement is validated and needs security.manage", async () => {
    const manager = await createStaff(h.db, { role: "manager" });
    expect(await codeOf(updateSecurityPolicy({ ctx: staffCtxFor(h.db, manager, T0), input: { twoFactor: { requiredRoles: ["agent"] } } }))).toBe("forbidden");
    const admin = await createStaff(h.db, { role: "admin" });
    expect(await codeOf(updateSecurityPolicy({ ctx: staffCtxFor(h.db, admin, T0), input: { twoFactor: { requiredRoles: ["root"] } } }))).toBe("ZodError");
    expect(await codeOf(updateSecurityPolicy({ ctx: staffCtxFor(h.db, admin, T0), input: { twoFactor: { requiredRoles: "agent" } } }))).toBe("ZodError");
  });
});

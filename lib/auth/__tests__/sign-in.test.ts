import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { blockedIps, strikes, users } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createStaff, FACTORY_PASSWORD } from "../../../tests/factories";
import { isAppError } from "../../errors";
import { bumpSessionVersion, signIn } from "../sign-in";

// lib/auth/session.ts reads the secret through getEnv(): configure it before first use.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "occ-signin-"));
process.env.DATA_DIR = dataDir;
process.env.SESSION_SECRET = "test-session-secret-0123456789-abcdefghij";

const { findStaffBySession, readCookie, sealSession, sessionClearCookie, sessionSetCookie, unsealSession, SESSION_COOKIE } =
  await import("../session");

let h: DbHandle;
let ipSeq = 0;
const ip = () => `192.0.2.${++ipSeq}`;

beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe("signIn", () => {
  it("signs in by email, case-insensitively", async () => {
    const u = await createStaff(h.db, { role: "manager", email: "Dana.Manager@Example.test" });
    const now = new Date();
    for (const login of ["Dana.Manager@Example.test", "dana.manager@example.test", "  DANA.MANAGER@EXAMPLE.TEST "]) {
      const got = await signIn({ db: h.db, ip: ip(), now, input: { login, password: FACTORY_PASSWORD } });
      expect(got.id).toBe(u.id);
      expect(got.role).toBe("manager");
    }
  });

  it("signs in by username, case-insensitively", async () => {
    const u = await createStaff(h.db, { role: "agent", username: "Sam_Agent" });
    for (const login of ["Sam_Agent", "sam_agent", "SAM_AGENT"]) {
      const got = await signIn({ db: h.db, ip: ip(), now: new Date(), input: { login, password: FACTORY_PASSWORD } });
      expect(got.id).toBe(u.id);
    }
  });

  it("a wrong password is `unauthenticated`, records a login strike, and says nothing about which part was wrong", async () => {
    const u = await createStaff(h.db, { role: "qa" });
    const addr = ip();
    const err = await failure(signIn({ db: h.db, ip: addr, now: new Date(), input: { login: u.email, password: "wrong" } }));
    expect(isAppError(err) && err.code).toBe("unauthenticated");
    const unknownUser = await failure(
      signIn({ db: h.db, ip: addr, now: new Date(), input: { login: "nobody@example.test", password: "wrong" } }),
    );
    expect(isAppError(unknownUser) && unknownUser.code).toBe("unauthenticated");
    expect((unknownUser as Error).message).toBe((err as Error).message);
    const rows = await h.db.select().from(strikes).where(eq(strikes.ip, addr));
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.rule === "login")).toBe(true);
  });

  it("the password is case-sensitive", async () => {
    const u = await createStaff(h.db, { role: "agent" });
    const err = await failure(
      signIn({ db: h.db, ip: ip(), now: new Date(), input: { login: u.email, password: FACTORY_PASSWORD.toUpperCase() } }),
    );
    expect(isAppError(err) && err.code).toBe("unauthenticated");
  });

  it("refuses a disabled user even with the right password, and strikes", async () => {
    const u = await createStaff(h.db, { role: "agent", disabled: true });
    const addr = ip();
    const err = await failure(signIn({ db: h.db, ip: addr, now: new Date(), input: { login: u.email, password: FACTORY_PASSWORD } }));
    expect(isAppError(err) && err.code).toBe("unauthenticated");
    expect(await h.db.select().from(strikes).where(eq(strikes.ip, addr))).toHaveLength(1);
  });

  it("the 5th failure from one IP blocks it", async () => {
    const u = await createStaff(h.db, { role: "agent" });
    const addr = ip();
    for (let i = 0; i < 4; i++) {
      const e = await failure(signIn({ db: h.db, ip: addr, now: new Date(), input: { login: u.email, password: "nope" } }));
      expect(isAppError(e) && e.code).toBe("unauthenticated");
    }
    // After the account's wait (4 failures: 1 s), the 5th failure from the address blocks it.
    const e = await failure(signIn({ db: h.db, ip: addr, now: new Date(Date.now() + 1_500), input: { login: u.email, password: "nope" } }));
    expect(isAppError(e) && e.code).toBe("blocked");
    expect(await h.db.select().from(blockedIps).where(eq(blockedIps.address, addr))).toHaveLength(1);
  });

  it("slows one account down progressively, from any number of addresses, without locking its owner out", async () => {
    const u = await createStaff(h.db, { role: "agent" });
    const t0 = Date.now() + 60_000;
    const at = (ms: number) => new Date(t0 + ms);
    // Three free failures, each from another address (a scanner rotating addresses).
    for (let i = 0; i < 3; i++) {
      expect(await failure(signIn({ db: h.db, ip: ip(), now: at(0), input: { login: u.email, password: "nope" } })).then((e) => isAppError(e) && e.code)).toBe(
        "unauthenticated",
      );
    }
    // The 4th failure still gets its password checked; from then on each attempt waits, the wait doubling.
    expect(isAppError(await failure(signIn({ db: h.db, ip: ip(), now: at(0), input: { login: u.email, password: "nope" } })))).toBe(true);
    const waiting = await failure(signIn({ db: h.db, ip: ip(), now: at(999), input: { login: u.email, password: FACTORY_PASSWORD } }));
    expect(isAppError(waiting) && waiting.code).toBe("rate_limited");
    expect((waiting as Error).message).toBe("Too many failed attempts for this account. Try again in 1 second.");
    expect(isAppError(waiting) && waiting.details).toEqual({ retryAfterSeconds: 1 });
    // Waiting costs the address nothing: no strike for an attempt that wasn't checked.
    expect(await failure(signIn({ db: h.db, ip: ip(), now: at(1_000), input: { login: u.email, password: "nope" } })).then((e) => isAppError(e) && e.code)).toBe(
      "unauthenticated",
    );
    const second = await failure(signIn({ db: h.db, ip: ip(), now: at(1_001), input: { login: u.email, password: FACTORY_PASSWORD } }));
    expect((second as Error).message).toBe("Too many failed attempts for this account. Try again in 2 seconds.");
    // The owner, once the wait is over, signs in — and the account starts afresh.
    expect((await signIn({ db: h.db, ip: ip(), now: at(3_000), input: { login: u.email, password: FACTORY_PASSWORD } })).id).toBe(u.id);
    expect(await failure(signIn({ db: h.db, ip: ip(), now: at(3_001), input: { login: u.email, password: "nope" } })).then((e) => isAppError(e) && e.code)).toBe(
      "unauthenticated",
    );
  });

  it("rejects empty input with a validation error, without striking", async () => {
    const addr = ip();
    const err = await failure(signIn({ db: h.db, ip: addr, now: new Date(), input: { login: "", password: "" } }));
    expect((err as Error).name).toBe("ZodError");
    expect(await h.db.select().from(strikes).where(eq(strikes.ip, addr))).toHaveLength(0);
  });
});

describe("sessions", () => {
  it("a sealed session opens back to the same user", async () => {
    const u = await createStaff(h.db, { role: "admin" });
    const value = await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db });
    const data = await unsealSession(value);
    expect(data).toMatchObject({ userId: u.id, sessionVersion: u.sessionVersion });
    const found = await findStaffBySession(h.db, value);
    expect(found?.id).toBe(u.id);
  });

  it("each sealSession starts a session of its own", async () => {
    const u = await createStaff(h.db, { role: "agent" });
    const a = await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db });
    const b = await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db });
    expect(a).not.toBe(b);
    expect((await unsealSession(a))?.sid).not.toBe((await unsealSession(b))?.sid);
  });

  it("bumpSessionVersion signs out every old cookie at once", async () => {
    const u = await createStaff(h.db, { role: "agent" });
    const old1 = await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db });
    const old2 = await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db });
    expect(await findStaffBySession(h.db, old1)).not.toBeNull();
    await bumpSessionVersion(h.db, u.id);
    expect(await findStaffBySession(h.db, old1)).toBeNull();
    expect(await findStaffBySession(h.db, old2)).toBeNull();
    // A sign-in after the bump gets the new version and works.
    const fresh = await signIn({ db: h.db, ip: ip(), now: new Date(), input: { login: u.email, password: FACTORY_PASSWORD } });
    expect(fresh.sessionVersion).toBe(u.sessionVersion + 1);
    const value = await sealSession({ userId: fresh.id, sessionVersion: fresh.sessionVersion }, { db: h.db });
    expect((await findStaffBySession(h.db, value))?.id).toBe(u.id);
  });

  it("bumping one user leaves others signed in", async () => {
    const a = await createStaff(h.db, { role: "agent" });
    const b = await createStaff(h.db, { role: "agent" });
    const cookieB = await sealSession({ userId: b.id, sessionVersion: b.sessionVersion }, { db: h.db });
    await bumpSessionVersion(h.db, a.id);
    expect((await findStaffBySession(h.db, cookieB))?.id).toBe(b.id);
  });

  it("disabling a user ends their sessions", async () => {
    const u = await createStaff(h.db, { role: "manager" });
    const value = await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db });
    await h.db.update(users).set({ disabled: true }).where(eq(users.id, u.id));
    expect(await findStaffBySession(h.db, value)).toBeNull();
  });

  it("rejects missing, tampered and foreign cookies", async () => {
    const u = await createStaff(h.db, { role: "admin" });
    const value = await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db });
    expect(await findStaffBySession(h.db, undefined)).toBeNull();
    expect(await findStaffBySession(h.db, "")).toBeNull();
    expect(await findStaffBySession(h.db, "garbage")).toBeNull();
    const i = Math.floor(value.length / 2);
    const tampered = value.slice(0, i) + (value[i] === "A" ? "B" : "A") + value.slice(i + 1);
    expect(await findStaffBySession(h.db, tampered)).toBeNull();
    const { sealData } = await import("iron-session");
    const sid = (await unsealSession(value))!.sid;
    const foreign = await sealData({ userId: u.id, sessionVersion: u.sessionVersion, sid }, { password: "another-secret-another-secret-another-secret" });
    expect(await findStaffBySession(h.db, foreign)).toBeNull();
    // Right secret, wrong shape.
    const wrongShape = await sealData({ userId: String(u.id), sessionVersion: 1, sid }, { password: process.env.SESSION_SECRET! });
    expect(await findStaffBySession(h.db, wrongShape)).toBeNull();
    // Right secret and shape, but a sid no session row has: not a session.
    const forged = await sealData({ userId: u.id, sessionVersion: u.sessionVersion, sid: "a".repeat(32) }, { password: process.env.SESSION_SECRET! });
    expect(await findStaffBySession(h.db, forged)).toBeNull();
    // Another user's sid under my user id: no.
    const other = await createStaff(h.db, { role: "admin" });
    const otherSid = (await unsealSession(await sealSession({ userId: other.id, sessionVersion: other.sessionVersion }, { db: h.db })))!.sid;
    const swapped = await sealData({ userId: u.id, sessionVersion: u.sessionVersion, sid: otherSid }, { password: process.env.SESSION_SECRET! });
    expect(await findStaffBySession(h.db, swapped)).toBeNull();
  });

  it("cookies are HttpOnly, SameSite=Lax, whole-site, and round-trip through readCookie", async () => {
    const u = await createStaff(h.db, { role: "agent" });
    const value = await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db });
    const set = sessionSetCookie(value);
    expect(set.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    expect(set).toMatch(/; HttpOnly/);
    expect(set).toMatch(/; SameSite=Lax/);
    expect(set).toMatch(/; Path=\//);
    const pair = set.split(";")[0];
    expect(readCookie(`theme=dark; ${pair}; other=1`, SESSION_COOKIE)).toBe(value);
    expect(sessionClearCookie()).toMatch(/Max-Age=0/);
    expect(readCookie("a=1; b=2", SESSION_COOKIE)).toBeUndefined();
  });
});

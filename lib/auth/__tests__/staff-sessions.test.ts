import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { auditLog, settings, staffSessions } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createStaff, staffCtxFor } from "../../../tests/factories";
import { isAppError } from "../../errors";

// The session seal reads SESSION_SECRET through getEnv(): configure it before first use.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "occ-sessions-"));
process.env.DATA_DIR = dataDir;
process.env.SESSION_SECRET = "test-session-secret-0123456789-abcdefghij";

const { findStaffSession, sealSession, unsealSession } = await import("../session");
const { bumpSessionVersion } = await import("../sign-in");
const { DEFAULT_SESSION_SETTINGS, readSecurityPolicy, updateSecurityPolicy } = await import("../security-policy");
const { describeDevice, listMySessions, publicSessionId, revokeMyOtherSessions, revokeMySession, sweepStaffSessions } = await import(
  "../staff-sessions"
);

let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
// Each test sets the limits it needs; none inherits another's.
beforeEach(async () => {
  await h.db.delete(settings);
});

const T0 = new Date("2031-03-04T09:00:00.000Z");
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (ms: number) => new Date(T0.getTime() + ms);
const CHROME_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

async function signedIn(opts: { role?: "admin" | "manager" | "agent" | "qa"; now?: Date; userAgent?: string; ip?: string } = {}) {
  const user = await createStaff(h.db, { role: opts.role ?? "agent" });
  return { user, cookie: await device(user, opts) };
}

async function device(user: { id: number; sessionVersion: number }, opts: { now?: Date; userAgent?: string; ip?: string } = {}) {
  return sealSession({ userId: user.id, sessionVersion: user.sessionVersion }, { db: h.db, now: opts.now ?? T0, userAgent: opts.userAgent, ip: opts.ip });
}

/** Check a cookie at `now` and wait for the last-seen write it started (requests don't wait; tests must). */
async function check(cookie: string, now: Date) {
  const found = await findStaffSession(h.db, cookie, now);
  await found?.touch;
  return found;
}

const sidOf = async (cookie: string) => (await unsealSession(cookie))!.sid;

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe("idle timeout (default 12 h since last seen)", () => {
  it("a session unseen for just under 12 h works; at 12 h it is refused", async () => {
    // Two devices from one moment: a check is itself a request (it moves "last seen"), so each side gets its own.
    const { user, cookie } = await signedIn();
    const twin = await device(user);
    expect(await findStaffSession(h.db, cookie, at(12 * HOUR - 1))).not.toBeNull();
    expect(await findStaffSession(h.db, twin, at(12 * HOUR))).toBeNull();
  });

  it("each request moves the idle limit on", async () => {
    const { cookie } = await signedIn();
    expect(await check(cookie, at(11 * HOUR))).not.toBeNull();
    expect(await check(cookie, at(22 * HOUR))).not.toBeNull();
    expect(await findStaffSession(h.db, cookie, at(34 * HOUR))).toBeNull();
  });

  it("last seen is written at most once a minute", async () => {
    const { cookie } = await signedIn();
    const sid = await sidOf(cookie);
    const seen = async () => (await h.db.select().from(staffSessions).where(eq(staffSessions.id, sid)))[0].lastSeenAt.getTime();
    const early = await findStaffSession(h.db, cookie, at(MIN - 1));
    expect(early?.touch).toBeNull();
    expect(await seen()).toBe(T0.getTime());
    const due = await findStaffSession(h.db, cookie, at(MIN));
    expect(due?.touch).not.toBeNull();
    await due?.touch;
    expect(await seen()).toBe(at(MIN).getTime());
  });
});

describe("absolute lifetime (default 7 days since sign-in)", () => {
  it("a session in use all along still ends 7 days after it started", async () => {
    const { cookie } = await signedIn();
    // Seen every 10 hours: never idle.
    for (let t = 10 * HOUR; t < 7 * 24 * HOUR; t += 10 * HOUR) expect(await check(cookie, at(t))).not.toBeNull();
    expect(await check(cookie, at(7 * 24 * HOUR - 1))).not.toBeNull();
    expect(await findStaffSession(h.db, cookie, at(7 * 24 * HOUR))).toBeNull();
  });
});

describe("configured limits", () => {
  it("apply to sessions already issued, both sides of each", async () => {
    const admin = await createStaff(h.db, { role: "admin" });
    await updateSecurityPolicy({ ctx: staffCtxFor(h.db, admin, T0), input: { sessions: { idleMinutes: 30, absoluteHours: 2 } } });
    const { cookie } = await signedIn();
    expect(await check(cookie, at(30 * MIN - 1))).not.toBeNull();
    expect(await check(cookie, at(30 * MIN - 1 + 30 * MIN - 1))).not.toBeNull();
    expect(await findStaffSession(h.db, cookie, at(30 * MIN - 1 + 30 * MIN - 1 + 30 * MIN))).toBeNull();
    const { cookie: busy } = await signedIn();
    for (let t = 20 * MIN; t < 2 * HOUR; t += 20 * MIN) expect(await check(busy, at(t))).not.toBeNull();
    expect(await check(busy, at(2 * HOUR - 1))).not.toBeNull();
    expect(await findStaffSession(h.db, busy, at(2 * HOUR))).toBeNull();
  });

  it("are validated: bounds, idle within the lifetime, nothing unknown", async () => {
    const admin = await createStaff(h.db, { role: "admin" });
    const ctx = staffCtxFor(h.db, admin, T0);
    for (const sessions of [
      { idleMinutes: 4, absoluteHours: 24 },
      { idleMinutes: 60, absoluteHours: 0 },
      { idleMinutes: 60, absoluteHours: 721 },
      { idleMinutes: 25 * 60, absoluteHours: 24 },
      { idleMinutes: 60.5, absoluteHours: 24 },
      { idleMinutes: "60", absoluteHours: 24 },
      { idleMinutes: 60, absoluteHours: 24, extra: 1 },
    ]) {
      expect((await failure(updateSecurityPolicy({ ctx, input: { sessions } })) as Error).name).toBe("ZodError");
    }
    expect((await failure(updateSecurityPolicy({ ctx, input: {} })) as Error).name).toBe("ZodError");
    // The edges themselves are fine.
    await updateSecurityPolicy({ ctx, input: { sessions: { idleMinutes: 5, absoluteHours: 1 } } });
    await updateSecurityPolicy({ ctx, input: { sessions: { idleMinutes: 720 * 60, absoluteHours: 720 } } });
    expect((await readSecurityPolicy(h.db)).sessions).toEqual({ idleMinutes: 720 * 60, absoluteHours: 720 });
  });

  it("only `security.manage` holders change them; each change is audited with before and after", async () => {
    for (const role of ["manager", "agent", "qa"] as const) {
      const u = await createStaff(h.db, { role });
      const err = await failure(updateSecurityPolicy({ ctx: staffCtxFor(h.db, u, T0), input: { sessions: { idleMinutes: 60, absoluteHours: 24 } } }));
      expect(isAppError(err) && err.code).toBe("forbidden");
    }
    const admin = await createStaff(h.db, { role: "admin" });
    await updateSecurityPolicy({ ctx: staffCtxFor(h.db, admin, T0), input: { sessions: { idleMinutes: 60, absoluteHours: 24 } } });
    const [row] = await h.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "security.settings_updated"), eq(auditLog.actorId, admin.id)));
    expect(row.data).toMatchObject({
      keys: ["security.sessions"],
      before: { "security.sessions": DEFAULT_SESSION_SETTINGS },
      after: { "security.sessions": { idleMinutes: 60, absoluteHours: 24 } },
    });
  });

  it("a stored value that no longer parses falls back to the defaults", async () => {
    await h.db.insert(settings).values({ key: "security.sessions", value: { idleMinutes: -1 } });
    const { user, cookie } = await signedIn();
    const twin = await device(user);
    expect(await findStaffSession(h.db, cookie, at(12 * HOUR - 1))).not.toBeNull();
    expect(await findStaffSession(h.db, twin, at(12 * HOUR))).toBeNull();
  });
});

describe("my devices", () => {
  it("lists live devices newest first, this one marked, with browser, OS and address", async () => {
    const user = await createStaff(h.db);
    const mac = await device(user, { userAgent: CHROME_MAC, ip: "198.51.100.7", now: T0 });
    const win = await device(user, { userAgent: FIREFOX_WIN, ip: "2001:db8::5", now: at(HOUR) });
    const old = await device(user, { userAgent: FIREFOX_WIN, now: at(-13 * HOUR) });
    const list = await listMySessions({ ctx: staffCtxFor(h.db, user, at(2 * HOUR)), input: { currentSessionId: await sidOf(mac) } });
    expect(list.map((s) => s.device)).toEqual(["Firefox on Windows", "Chrome on macOS"]);
    expect(list.map((s) => s.current)).toEqual([false, true]);
    expect(list[1]).toMatchObject({ ip: "198.51.100.7", browser: "Chrome", os: "macOS", createdAt: T0.toISOString(), lastSeenAt: T0.toISOString() });
    expect(list[0].ip).toBe("2001:db8::5");
    // Ids are public stand-ins, never the cookie's sid.
    const sids = await Promise.all([mac, win, old].map(sidOf));
    for (const s of list) expect(sids).not.toContain(s.id);
    expect(list[0].id).toBe(publicSessionId(sids[1]));
  });

  it("signing one device out ends exactly that session, audited, and asks for its sockets to close", async () => {
    const user = await createStaff(h.db);
    const here = await device(user);
    const there = await device(user, { userAgent: FIREFOX_WIN });
    const ctx = staffCtxFor(h.db, user, at(MIN));
    const { result, effects } = await revokeMySession({ ctx, input: { sessionId: publicSessionId(await sidOf(there)), currentSessionId: await sidOf(here) } });
    expect(result.current).toBe(false);
    expect(effects.endSessions).toEqual([{ userId: user.id, sessionId: await sidOf(there) }]);
    expect(await findStaffSession(h.db, there, at(MIN))).toBeNull();
    expect(await findStaffSession(h.db, here, at(MIN))).not.toBeNull();
    const [row] = await h.db.select().from(auditLog).where(and(eq(auditLog.action, "auth.session_revoked"), eq(auditLog.actorId, user.id)));
    expect(row.data).toMatchObject({ device: "Firefox on Windows", current: false });
    // Twice: it is gone.
    const again = await failure(revokeMySession({ ctx, input: { sessionId: publicSessionId(await sidOf(there)), currentSessionId: await sidOf(here) } }));
    expect(isAppError(again) && again.code).toBe("not_found");
  });

  it("someone else's device can't be signed out (not found, and it keeps working)", async () => {
    const me = await createStaff(h.db);
    const { user: other, cookie: theirs } = await signedIn();
    const err = await failure(
      revokeMySession({ ctx: staffCtxFor(h.db, me, at(MIN)), input: { sessionId: publicSessionId(await sidOf(theirs)), currentSessionId: null } }),
    );
    expect(isAppError(err) && err.code).toBe("not_found");
    expect((await findStaffSession(h.db, theirs, at(MIN)))?.user.id).toBe(other.id);
  });

  it("signing this device out says so (the route clears the cookie)", async () => {
    const { user, cookie } = await signedIn();
    const sid = await sidOf(cookie);
    const { result } = await revokeMySession({ ctx: staffCtxFor(h.db, user, at(MIN)), input: { sessionId: publicSessionId(sid), currentSessionId: sid } });
    expect(result.current).toBe(true);
    expect(await findStaffSession(h.db, cookie, at(MIN))).toBeNull();
  });

  it("'sign out all other devices' keeps only this one", async () => {
    const user = await createStaff(h.db);
    const here = await device(user);
    const others = [await device(user), await device(user), await device(user, { now: at(-13 * HOUR) })];
    const ctx = staffCtxFor(h.db, user, at(MIN));
    const { result, effects } = await revokeMyOtherSessions({ ctx, input: { currentSessionId: await sidOf(here) } });
    // The idle one was already over: two live devices signed out.
    expect(result.revoked).toBe(2);
    expect(effects.endSessions.map((e) => e.sessionId).sort()).toEqual((await Promise.all(others.slice(0, 2).map(sidOf))).sort());
    for (const c of others) expect(await findStaffSession(h.db, c, at(MIN))).toBeNull();
    expect(await findStaffSession(h.db, here, at(MIN))).not.toBeNull();
    expect((await listMySessions({ ctx, input: { currentSessionId: await sidOf(here) } })).map((s) => s.current)).toEqual([true]);
  });

  it("sign out everywhere (the session version) empties the list too", async () => {
    const user = await createStaff(h.db);
    await device(user);
    await device(user);
    await bumpSessionVersion(h.db, user.id, at(MIN));
    expect(await listMySessions({ ctx: staffCtxFor(h.db, user, at(MIN)), input: { currentSessionId: null } })).toEqual([]);
  });

  it("the sweeper drops rows no cookie can use, and keeps the rest", async () => {
    const user = await createStaff(h.db);
    const ancient = await device(user, { now: at(-31 * 24 * HOUR) });
    const live = await device(user);
    const revoked = await device(user);
    // Revoked a little over a day ago: nothing will ever show or accept it again.
    await h.db.update(staffSessions).set({ revokedAt: at(-25 * HOUR) }).where(eq(staffSessions.id, await sidOf(revoked)));
    await sweepStaffSessions({ db: h.db, now: T0 });
    const left = (await h.db.select().from(staffSessions).where(eq(staffSessions.userId, user.id))).map((r) => r.id);
    expect(left).toEqual([await sidOf(live)]);
    expect(left).not.toContain(await sidOf(ancient));
  });
});

describe("describeDevice", () => {
  it.each([
    [CHROME_MAC, "Chrome on macOS"],
    [FIREFOX_WIN, "Firefox on Windows"],
    ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Mobile Safari on iOS"],
    ["curl/8.5.0", "Unknown browser"],
    ["", "Unknown browser"],
  ])("%s → %s", (ua, label) => {
    expect(describeDevice(ua || null).label).toBe(label);
  });
});

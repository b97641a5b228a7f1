import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { auditLog, settings, type StaffRole, type users } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createStaff, staffCtxFor } from "../../../tests/factories";
import { parseEnv } from "../../env";
import { describeError } from "../../errors";
import { setSingleton } from "../../singleton";
import { refreshIpBlocks } from "../../security/ip-blocks";
import { consumeLimit, limitPoints, RATE_LIMITS } from "../../security/rate-limits";
import { RATE_LIMITS_KEY, rateLimitSetting } from "../../security/security-settings";
import { getSecuritySettings, updateRateLimits } from "..";

/** Rate limits as settings: changed on the Security page, applied to the next request, audited. */
let h: DbHandle;
type User = typeof users.$inferSelect;
const staff: Partial<Record<StaffRole, User>> = {};
const ctx = (role: StaffRole) => staffCtxFor(h.db, staff[role]!);
const outcome = async (p: Promise<unknown>) => {
  try {
    await p;
    return { status: 200, fields: undefined as Record<string, string> | undefined };
  } catch (err) {
    const d = describeError(err);
    return { status: d.status, fields: d.body.error.fields };
  }
};

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-rl-admin"), SESSION_SECRET: "a".repeat(40) } as unknown as NodeJS.ProcessEnv));
  setSingleton("rate-limiters", undefined);
  h = await createTestDb();
  for (const role of ["admin", "manager", "agent", "qa"] as const) staff[role] = await createStaff(h.db, { role });
});
afterEach(async () => {
  await h.db.delete(settings);
  await h.db.delete(auditLog);
  await refreshIpBlocks(h.db);
});
afterAll(async () => {
  setSingleton("env", undefined);
  setSingleton("rate-limiters", undefined);
  await h?.close();
});

describe("updateRateLimits", () => {
  it("an admin's change applies to the next request in this process and is audited with before and after", async () => {
    const key = `rl-admin-${Date.now()}`;
    expect((await consumeLimit("upload", key)).ok).toBe(true);
    await updateRateLimits({ ctx: ctx("admin"), input: { upload: { points: 2 } } });
    expect(rateLimitSetting("upload")).toEqual({ points: 2, seconds: RATE_LIMITS.upload.seconds });
    expect(limitPoints("upload")).toBe(2);
    // One already counted in this window: one more is allowed, the third is over (and is the first hit).
    expect((await consumeLimit("upload", key)).ok).toBe(true);
    expect(await consumeLimit("upload", key)).toMatchObject({ ok: false, firstHit: true });
    const [row] = await h.db.select().from(auditLog).where(eq(auditLog.action, "security.settings_updated"));
    expect(row.data).toEqual({ key: RATE_LIMITS_KEY, changes: { "upload.points": { from: RATE_LIMITS.upload.points, to: 2 } } });
    // The page shows it with the default beside it.
    const view = await getSecuritySettings({ ctx: ctx("manager") });
    expect(view.rateLimits.find((l) => l.name === "upload")).toMatchObject({ points: 2, appliedPoints: 2, defaults: { points: RATE_LIMITS.upload.points } });
    // Setting the same numbers again changes nothing and writes no audit row.
    await updateRateLimits({ ctx: ctx("admin"), input: { upload: { points: 2 } } });
    expect(await h.db.select().from(auditLog)).toHaveLength(1);
  });

  it("is global configuration: managers, agents and QA get 403 and nothing changes", async () => {
    for (const role of ["manager", "agent", "qa"] as const) {
      expect((await outcome(updateRateLimits({ ctx: ctx(role), input: { upload: { points: 2 } } }))).status).toBe(403);
    }
    expect(await h.db.select().from(settings)).toHaveLength(0);
    expect(rateLimitSetting("upload").points).toBe(RATE_LIMITS.upload.points);
  });

  it("out-of-range, fractional, unknown or empty input is a 400 naming the field, and nothing is written", async () => {
    const cases: [unknown, string | null][] = [
      [{ upload: { points: 0 } }, "upload.points"],
      [{ upload: { points: 100_001 } }, "upload.points"],
      [{ wsSend: { seconds: 2.5 } }, "wsSend.seconds"],
      [{ wsSend: { seconds: 86_401 } }, "wsSend.seconds"],
      [{ upload: { points: "10" } }, "upload.points"],
      [{ nope: { points: 1 } }, null],
      [{ upload: { points: 5, extra: 1 } }, null],
      [{}, null],
    ];
    for (const [input, field] of cases) {
      const r = await outcome(updateRateLimits({ ctx: ctx("admin"), input }));
      expect(r.status, JSON.stringify(input)).toBe(400);
      if (field) expect(Object.keys(r.fields ?? {})).toContain(field);
    }
    expect(await h.db.select().from(settings)).toHaveLength(0);
  });

  it("a stored value that no longer parses falls back to that limit's default, the others keep theirs", async () => {
    await h.db.insert(settings).values({ key: RATE_LIMITS_KEY, value: { upload: { points: -5, seconds: 60 }, chatStart: { points: 3, seconds: 60 } } });
    await refreshIpBlocks(h.db);
    expect(rateLimitSetting("upload").points).toBe(RATE_LIMITS.upload.points);
    expect(rateLimitSetting("chatStart").points).toBe(3);
  });
});

import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { conversations, type LeadStage } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { sealSession, SESSION_COOKIE } from "@/lib/auth/session";
import { parseEnv } from "@/lib/env";
import { setSingleton } from "@/lib/singleton";
import { createConversation, createStaff, staffCtxFor } from "@/tests/factories";
import * as overviewRoute from "@/app/api/overview/route";
import { getOverview, localDate } from "../overview";

/**
 * The Overview's numbers on seeded chats at a fixed "now" (2030-06-15 12:00
 * UTC, 14:00 in Berlin): statuses, stages, per-day buckets in the viewer's
 * zone (one chat sits on either side of midnight depending on the zone), the
 * queue and its longest wait; who may read it; bad input is a 400.
 */
let h: DbHandle;
const NOW = new Date("2030-06-15T12:00:00Z");
type Admin = Awaited<ReturnType<typeof createStaff>>;
let admin: Admin;
let agent: Admin;

async function seed(at: string, status: "queued" | "active" | "offline" | "closed", leadStage: LeadStage, queuedAt?: string) {
  const { conversation } = await createConversation(h.db, { status, assigneeId: status === "queued" ? null : agent.id });
  await h.db
    .update(conversations)
    .set({ createdAt: new Date(at), leadStage, queuedAt: queuedAt ? new Date(queuedAt) : null })
    .where(eq(conversations.id, conversation.id));
  return conversation.id;
}

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-overview"), SESSION_SECRET: "s".repeat(40), RATE_LIMIT_FACTOR: "100" } as unknown as NodeJS.ProcessEnv));
  h = await createTestDb();
  setSingleton("db", Promise.resolve(h));
  admin = await createStaff(h.db, { role: "admin" });
  agent = await createStaff(h.db, { role: "agent", displayName: "Ada Agent", activeChatLimit: 3 });
});
afterAll(async () => {
  setSingleton("db", undefined);
  await h?.close();
});

const overview = (input: Record<string, string | undefined>, who = admin) => getOverview({ ctx: staffCtxFor(h.db, who, NOW), input });

describe("getOverview", () => {
  it("on a fresh install says so and points at the visitor page", async () => {
    const o = await overview({ range: "today", tz: "UTC" });
    expect(o.fresh).toBe(true);
    expect(o.chats.total).toBe(0);
    expect(o.queue).toEqual({ length: 0, oldestQueuedAt: null, longestWaitSeconds: 0 });
    expect(o.perDay).toEqual([{ day: "2030-06-15", byStatus: { queued: 0, active: 0, offline: 0, closed: 0 } }]);
    expect(o.agents.map((a) => a.displayName)).toEqual(["Ada Agent"]);
  });

  describe("on seeded chats", () => {
    beforeAll(async () => {
      await seed("2030-06-15T10:00:00Z", "active", "qualified");
      await seed("2030-06-15T11:00:00Z", "queued", "new", "2030-06-15T11:00:00Z");
      await seed("2030-06-15T11:30:00Z", "queued", "new", "2030-06-15T11:45:00Z");
      // 23:30 UTC on the 14th is 01:30 on the 15th in Berlin.
      await seed("2030-06-14T23:30:00Z", "closed", "converted");
      await seed("2030-06-13T09:00:00Z", "closed", "not_qualified");
      await seed("2030-05-01T09:00:00Z", "offline", "new");
    });

    it("today in Berlin counts the chat from just after Berlin's midnight; today in UTC doesn't", async () => {
      const berlin = await overview({ range: "today", tz: "Europe/Berlin" });
      expect(berlin.fresh).toBe(false);
      expect(berlin.range).toEqual({ kind: "today", from: "2030-06-15", to: "2030-06-15", tz: "Europe/Berlin", days: 1 });
      expect(berlin.chats).toEqual({ total: 4, byStatus: { queued: 2, active: 1, offline: 0, closed: 1 } });
      expect(berlin.leads.byStage).toEqual({ new: 2, qualified: 1, not_qualified: 0, converted: 1 });
      expect(berlin.perDay).toEqual([{ day: "2030-06-15", byStatus: { queued: 2, active: 1, offline: 0, closed: 1 } }]);

      const utc = await overview({ range: "today", tz: "UTC" });
      expect(utc.chats).toEqual({ total: 3, byStatus: { queued: 2, active: 1, offline: 0, closed: 0 } });
    });

    it("7 days: one bucket per day, each chat on its own local day", async () => {
      const utc = await overview({ range: "7d", tz: "UTC" });
      expect(utc.range).toMatchObject({ from: "2030-06-09", to: "2030-06-15", days: 7 });
      expect(utc.perDay.map((d) => d.day)).toEqual(["2030-06-09", "2030-06-10", "2030-06-11", "2030-06-12", "2030-06-13", "2030-06-14", "2030-06-15"]);
      const byDay = Object.fromEntries(utc.perDay.map((d) => [d.day, d.byStatus]));
      expect(byDay["2030-06-13"]).toEqual({ queued: 0, active: 0, offline: 0, closed: 1 });
      expect(byDay["2030-06-14"]).toEqual({ queued: 0, active: 0, offline: 0, closed: 1 });
      expect(byDay["2030-06-15"]).toEqual({ queued: 2, active: 1, offline: 0, closed: 0 });
      expect(utc.chats.total).toBe(5);

      const berlin = await overview({ range: "7d", tz: "Europe/Berlin" });
      const bDay = Object.fromEntries(berlin.perDay.map((d) => [d.day, d.byStatus]));
      expect(bDay["2030-06-14"]).toEqual({ queued: 0, active: 0, offline: 0, closed: 0 });
      expect(bDay["2030-06-15"]).toEqual({ queued: 2, active: 1, offline: 0, closed: 1 });
      // A zone west of UTC: 09:00 UTC on the 13th is still the 13th in New York, 23:30 UTC on the 14th is 19:30 there.
      const ny = await overview({ range: "7d", tz: "America/New_York" });
      expect(Object.fromEntries(ny.perDay.map((d) => [d.day, d.byStatus.closed]))).toMatchObject({ "2030-06-13": 1, "2030-06-14": 1, "2030-06-15": 0 });
    });

    it("30 days leaves out what is older; a custom range finds it", async () => {
      expect((await overview({ range: "30d", tz: "UTC" })).chats.total).toBe(5);
      const may = await overview({ range: "custom", from: "2030-05-01", to: "2030-05-02", tz: "UTC" });
      expect(may.range).toEqual({ kind: "custom", from: "2030-05-01", to: "2030-05-02", tz: "UTC", days: 2 });
      expect(may.chats).toEqual({ total: 1, byStatus: { queued: 0, active: 0, offline: 1, closed: 0 } });
      expect(may.perDay.map((d) => d.byStatus.offline)).toEqual([1, 0]);
    });

    it("the queue now, whatever the range: its length and the oldest queued chat's wait", async () => {
      const o = await overview({ range: "custom", from: "2030-05-01", to: "2030-05-01", tz: "UTC" });
      expect(o.queue).toEqual({ length: 2, oldestQueuedAt: "2030-06-15T11:00:00.000Z", longestWaitSeconds: 3600 });
    });

    it("the agents grid carries each agent's load against their limits", async () => {
      const o = await overview({ range: "today", tz: "UTC" });
      expect(o.agents).toEqual([
        expect.objectContaining({ id: agent.id, presence: "offline", activeCount: 1, activeLimit: 3, offlineCount: 1, disabled: false }),
      ]);
    });
  });

  it("admins and managers may read it; agents and QA may not", async () => {
    const manager = await createStaff(h.db, { role: "manager" });
    await expect(overview({ range: "today" }, manager)).resolves.toMatchObject({ range: { kind: "today" } });
    for (const who of [agent, await createStaff(h.db, { role: "qa" })]) {
      await expect(overview({ range: "today" }, who)).rejects.toMatchObject({ code: "forbidden" });
    }
  });

  it("refuses a bad range, bad dates and unknown zones", async () => {
    for (const input of [
      { range: "week" },
      { range: "custom" },
      { range: "custom", from: "2030-06-10", to: "2030-06-01" },
      { range: "custom", from: "2030-02-30", to: "2030-03-01" },
      { range: "custom", from: "2028-01-01", to: "2030-01-01" },
      { range: "today", tz: "Mars/Olympus_Mons" },
      { range: "today", tz: "'; drop table users; --" },
    ]) {
      await expect(overview(input), JSON.stringify(input)).rejects.toMatchObject({ name: "ZodError" });
    }
  });

  it("localDate is the calendar date in the zone", () => {
    expect(localDate(new Date("2030-06-14T23:30:00Z"), "Europe/Berlin")).toBe("2030-06-15");
    expect(localDate(new Date("2030-06-14T23:30:00Z"), "UTC")).toBe("2030-06-14");
    expect(localDate(new Date("2030-06-15T03:00:00Z"), "America/Los_Angeles")).toBe("2030-06-14");
  });
});

describe("GET /api/overview", () => {
  const call = async (qs: string, who?: Admin) => {
    const cookie = who ? `${SESSION_COOKIE}=${await sealSession({ userId: who.id, sessionVersion: who.sessionVersion }, { db: h.db })}` : null;
    const req = new Request(`http://chat.example.test/api/overview${qs}`, { headers: cookie ? { cookie } : {} });
    return overviewRoute.GET(req, { params: Promise.resolve({}) });
  };

  it("answers the admin; 400 with field errors for a bad range; 403 for an agent; 401 signed out", async () => {
    const ok = await call("?range=7d&tz=Europe%2FBerlin", admin);
    expect(ok.status).toBe(200);
    expect((await ok.json()).range).toMatchObject({ kind: "7d", days: 7, tz: "Europe/Berlin" });

    const bad = await call("?range=fortnight", admin);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.fields).toHaveProperty("range");
    const badTz = await call("?range=today&tz=Nowhere%2FLand", admin);
    expect(badTz.status).toBe(400);
    expect((await badTz.json()).error.fields).toHaveProperty("tz");

    expect((await call("?range=today", agent)).status).toBe(403);
    expect((await call("?range=today")).status).toBe(401);
  });
});

import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { blockedIps, conversations, type users } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { sealSession, SESSION_COOKIE } from "@/lib/auth/session";
import { parseEnv } from "@/lib/env";
import { CLIENT_IP_HEADER } from "@/lib/http";
import { setStaffConnections } from "@/lib/routing";
import { isIpBlocked, refreshIpBlocks } from "@/lib/security/ip-blocks";
import { setSingleton } from "@/lib/singleton";
import { createConversation, createStaff, isolateRouting } from "@/tests/factories";
import * as agentsRoute from "../[id]/agents/route";
import * as blockRoute from "../[id]/block/route";
import * as detailsRoute from "../[id]/details/route";

/** The chat modal's API through its route handlers: sessions, permissions, status codes and bodies. */
const BASE = "http://chat.example.test";
let h: DbHandle;
type User = typeof users.$inferSelect;
let admin: User, manager: User, agent: User, qa: User;

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-chat-modal-api"), SESSION_SECRET: "m".repeat(40), RATE_LIMIT_FACTOR: "100" } as unknown as NodeJS.ProcessEnv));
  setSingleton("rate-limiters", undefined);
  h = await createTestDb();
  setSingleton("db", Promise.resolve(h));
  admin = await createStaff(h.db, { role: "admin" });
  manager = await createStaff(h.db, { role: "manager" });
  qa = await createStaff(h.db, { role: "qa" });
});
afterAll(async () => {
  await h.db.delete(blockedIps);
  await refreshIpBlocks(h.db);
  setSingleton("db", undefined);
  setSingleton("env", undefined);
  await h?.close();
});
beforeEach(async () => {
  await isolateRouting(h.db);
  agent = await createStaff(h.db, { role: "agent", liveChatEnabled: true });
});

const cookieFor = async (u: User) => `${SESSION_COOKIE}=${await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db })}`;

async function req(method: string, url: string, user: User | null, body?: unknown) {
  return new Request(`${BASE}${url}`, {
    method,
    headers: {
      ...(user ? { cookie: await cookieFor(user) } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(method !== "GET" ? { "sec-fetch-site": "same-origin" } : {}),
      [CLIENT_IP_HEADER]: "198.51.100.77",
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}
const params = (id: string | number) => ({ params: Promise.resolve({ id: String(id) }) });

let seq = 0;
async function chat(over: Parameters<typeof createConversation>[1] = {}, ip: string | null = `192.0.2.${100 + ++seq}`) {
  const { conversation, visitor } = await createConversation(h.db, { status: "active", assigneeId: agent.id, ...over });
  await h.db.update(conversations).set({ ip }).where(eq(conversations.id, conversation.id));
  return { id: conversation.id, ip, visitor };
}

describe("POST /api/chat/conversations/:id/block", () => {
  it("blocks the chat's IP and closes it; the block applies at once in this process", async () => {
    const c = await chat();
    const res = await blockRoute.POST(await req("POST", `/api/chat/conversations/${c.id}/block`, manager, { reason: "spam links" }), params(c.id));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ conversationId: c.id, address: c.ip, created: true, closed: true });
    expect(isIpBlocked(c.ip!)).toBe(true);
    const [row] = await h.db.select().from(conversations).where(eq(conversations.id, c.id));
    expect(row.status).toBe("closed");
  });

  it("401 signed out, 403 for agents and QA, with nothing written", async () => {
    const c = await chat();
    expect((await blockRoute.POST(await req("POST", "/x", null, { reason: "x" }), params(c.id))).status).toBe(401);
    for (const u of [agent, qa]) {
      const res = await blockRoute.POST(await req("POST", "/x", u, { reason: "x" }), params(c.id));
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe("forbidden");
    }
    expect(await h.db.select().from(blockedIps).where(eq(blockedIps.address, c.ip!))).toHaveLength(0);
  });

  it("400 with field errors for a bad body or id, 415 for a form, 404 for an unknown chat, 409 without a captured IP", async () => {
    const c = await chat();
    const noReason = await blockRoute.POST(await req("POST", "/x", admin, {}), params(c.id));
    expect(noReason.status).toBe(400);
    expect((await noReason.json()).error.fields).toHaveProperty("reason");
    expect((await blockRoute.POST(await req("POST", "/x", admin, "{oops"), params(c.id))).status).toBe(400);
    expect((await blockRoute.POST(await req("POST", "/x", admin, { reason: "x", extra: 1 }), params(c.id))).status).toBe(400);
    expect((await blockRoute.POST(await req("POST", "/x", admin, { reason: "x" }), params("abc"))).status).toBe(400);
    const form = new Request(`${BASE}/x`, {
      method: "POST",
      headers: { cookie: await cookieFor(admin), "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
      body: "reason=x",
    });
    expect((await blockRoute.POST(form, params(c.id))).status).toBe(415);
    expect((await blockRoute.POST(await req("POST", "/x", admin, { reason: "x" }), params(2_000_000_000))).status).toBe(404);
    const bare = await chat({}, null);
    const noIp = await blockRoute.POST(await req("POST", "/x", admin, { reason: "x" }), params(bare.id));
    expect(noIp.status).toBe(409);
    expect((await noIp.json()).error.message).toMatch(/no ip address/i);
    const [row] = await h.db.select().from(conversations).where(eq(conversations.id, c.id));
    expect(row.status).toBe("active");
  });

  it("refuses a cross-site post", async () => {
    const c = await chat();
    const r = await req("POST", "/x", admin, { reason: "x" });
    r.headers.set("sec-fetch-site", "cross-site");
    expect((await blockRoute.POST(r, params(c.id))).status).toBe(403);
  });
});

describe("GET /api/chat/conversations/:id/agents", () => {
  it("lists every agent with why they can't take this chat now", async () => {
    const now = new Date();
    const free = await createStaff(h.db, { role: "agent", liveChatEnabled: true, displayName: "Free Agent" });
    const full = await createStaff(h.db, { role: "agent", liveChatEnabled: true, activeChatLimit: 1, displayName: "Full Agent" });
    const onBreak = await createStaff(h.db, { role: "agent", liveChatEnabled: true, onBreak: true, displayName: "Break Agent" });
    const noLive = await createStaff(h.db, { role: "agent", liveChatEnabled: false, displayName: "NoLive Agent" });
    const away = await createStaff(h.db, { role: "agent", liveChatEnabled: true, displayName: "Away Agent" });
    const samePhone = await createStaff(h.db, { role: "agent", liveChatEnabled: true, displayName: "Phone Agent" });
    for (const u of [agent, free, full, onBreak, noLive, samePhone]) await setStaffConnections(h.db, { userId: u.id, instanceId: "t", connections: 1, now });
    const c = await chat();
    await createConversation(h.db, { status: "active", assigneeId: full.id });
    await createConversation(h.db, { status: "active", assigneeId: samePhone.id, phone: c.visitor.phone });

    const res = await agentsRoute.GET(await req("GET", "/x", manager), params(c.id));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { visitorPresent: boolean; agents: { id: number; blocker: string | null; activeCount: number }[] };
    expect(body.visitorPresent).toBe(true);
    const blocker = Object.fromEntries(body.agents.map((a) => [a.id, a.blocker]));
    expect(blocker).toEqual({
      [agent.id]: "current",
      [free.id]: null,
      [full.id]: "full",
      [onBreak.id]: "on_break",
      [noLive.id]: "no_live_chat",
      [away.id]: "offline",
      [samePhone.id]: "same_phone",
    });
    expect(body.agents.find((a) => a.id === full.id)?.activeCount).toBe(1);
  });

  it("401 signed out, 403 for QA, 404 for an unknown chat, 400 for a malformed id", async () => {
    const c = await chat();
    expect((await agentsRoute.GET(await req("GET", "/x", null), params(c.id))).status).toBe(401);
    expect((await agentsRoute.GET(await req("GET", "/x", qa), params(c.id))).status).toBe(403);
    expect((await agentsRoute.GET(await req("GET", "/x", admin), params(2_000_000_000))).status).toBe(404);
    expect((await agentsRoute.GET(await req("GET", "/x", admin), params("1e99"))).status).toBe(400);
  });
});

describe("GET /api/chat/conversations/:id/details (the modal's header)", () => {
  it("says what the viewer may do, from the policy, with the IP and first-seen time", async () => {
    const c = await chat();
    const mine = await (await detailsRoute.GET(await req("GET", "/x", manager), params(c.id))).json();
    expect(mine).toMatchObject({ ip: c.ip, actions: { reply: true, close: true, leadStage: true, assign: true, block: true } });
    expect(new Date(mine.firstSeenAt).getTime()).toBe(c.visitor.createdAt.getTime());
    const asQa = await (await detailsRoute.GET(await req("GET", "/x", qa), params(c.id))).json();
    expect(asQa).toMatchObject({ ip: null, actions: { reply: false, close: false, leadStage: false, assign: false, block: false } });
    const asOwner = await (await detailsRoute.GET(await req("GET", "/x", agent), params(c.id))).json();
    expect(asOwner).toMatchObject({ ip: null, actions: { reply: true, close: true, leadStage: true, assign: true, block: false } });
  });
});

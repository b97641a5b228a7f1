import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { sealSession, SESSION_COOKIE } from "@/lib/auth/session";
import { parseEnv } from "@/lib/env";
import { setSingleton } from "@/lib/singleton";
import { createConversation, createStaff } from "@/tests/factories";
import * as stageRoute from "../../chat/conversations/[id]/stage/route";
import * as conversationsRoute from "../conversations/route";
import * as countsRoute from "../counts/route";
import * as quickReplyRoute from "../quick-replies/[id]/route";
import * as quickRepliesRoute from "../quick-replies/route";
import * as starRoute from "../stars/[conversationId]/route";

const BASE = "http://chat.example.test";
let h: DbHandle;

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-inbox-api"), SESSION_SECRET: "s".repeat(40) } as unknown as NodeJS.ProcessEnv));
  h = await createTestDb();
  setSingleton("db", Promise.resolve(h));
});
afterAll(async () => {
  setSingleton("db", undefined);
  await h?.close();
});

async function cookieFor(user: { id: number; sessionVersion: number }) {
  return `${SESSION_COOKIE}=${await sealSession({ userId: user.id, sessionVersion: user.sessionVersion })}`;
}

function req(method: string, url: string, cookie: string | null, body?: unknown) {
  return new Request(`${BASE}${url}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}
const params = <P>(p: P) => ({ params: Promise.resolve(p) });
const none = params({});

describe("GET /api/agent/conversations and /api/agent/counts", () => {
  it("lists a bucket and its counts for the signed-in agent", async () => {
    const agent = await createStaff(h.db);
    const cookie = await cookieFor(agent);
    const { conversation } = await createConversation(h.db, { assigneeId: agent.id, name: "Lina Park" });

    const res = await conversationsRoute.GET(req("GET", "/api/agent/conversations?bucket=active&q=lina", cookie), none);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.items.map((i: { id: number }) => i.id)).toEqual([conversation.id]);
    expect(body.nextCursor).toBeNull();

    const counts = await countsRoute.GET(req("GET", "/api/agent/counts", cookie), none);
    expect(counts.status).toBe(200);
    expect((await counts.json()).active).toEqual({ count: 1, unread: 0 });
  });

  it("answers bad input with 400 and field errors, never 500", async () => {
    const cookie = await cookieFor(await createStaff(h.db));
    for (const qs of ["", "?bucket=mine", "?bucket=active&after=abc", "?bucket=active&limit=-1", `?bucket=active&q=${"x".repeat(101)}`]) {
      const res = await conversationsRoute.GET(req("GET", `/api/agent/conversations${qs}`, cookie), none);
      expect(res.status, qs).toBe(400);
      expect((await res.json()).error.fields).toBeTypeOf("object");
    }
  });

  it("401 without a session, 403 for roles with their own console", async () => {
    expect((await countsRoute.GET(req("GET", "/api/agent/counts", null), none)).status).toBe(401);
    const qa = await createStaff(h.db, { role: "qa" });
    expect((await countsRoute.GET(req("GET", "/api/agent/counts", await cookieFor(qa)), none)).status).toBe(403);
    const admin = await createStaff(h.db, { role: "admin" });
    expect((await conversationsRoute.GET(req("GET", "/api/agent/conversations?bucket=active", await cookieFor(admin)), none)).status).toBe(403);
  });
});

describe("PUT/DELETE /api/agent/stars/:conversationId", () => {
  it("stars and unstars idempotently; unknown or malformed ids are 404/400", async () => {
    const agent = await createStaff(h.db);
    const cookie = await cookieFor(agent);
    const { conversation } = await createConversation(h.db);
    const p = params({ conversationId: String(conversation.id) });
    for (let i = 0; i < 2; i++) {
      const res = await starRoute.PUT(req("PUT", `/api/agent/stars/${conversation.id}`, cookie), p);
      expect(await res.json()).toEqual({ conversationId: conversation.id, starred: true });
    }
    const del = await starRoute.DELETE(req("DELETE", `/api/agent/stars/${conversation.id}`, cookie), p);
    expect(await del.json()).toEqual({ conversationId: conversation.id, starred: false });
    expect((await starRoute.PUT(req("PUT", "/api/agent/stars/999999999", cookie), params({ conversationId: "999999999" }))).status).toBe(404);
    expect((await starRoute.PUT(req("PUT", "/api/agent/stars/abc", cookie), params({ conversationId: "abc" }))).status).toBe(400);
  });
});

describe("/api/agent/quick-replies", () => {
  it("creates up to 5, refuses the sixth with a 409 and a clear message, edits and deletes", async () => {
    const cookie = await cookieFor(await createStaff(h.db));
    const ids: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const res = await quickRepliesRoute.POST(req("POST", "/api/agent/quick-replies", cookie, { body: `Hello ${i}` }), none);
      expect(res.status).toBe(201);
      ids.push((await res.json()).id);
    }
    const sixth = await quickRepliesRoute.POST(req("POST", "/api/agent/quick-replies", cookie, { body: "Too many" }), none);
    expect(sixth.status).toBe(409);
    expect((await sixth.json()).error.message).toMatch(/up to 5 quick replies/);

    const patch = await quickReplyRoute.PATCH(req("PATCH", `/api/agent/quick-replies/${ids[0]}`, cookie, { body: "Hi there" }), params({ id: String(ids[0]) }));
    expect(await patch.json()).toMatchObject({ id: ids[0], body: "Hi there" });
    const del = await quickReplyRoute.DELETE(req("DELETE", `/api/agent/quick-replies/${ids[1]}`, cookie), params({ id: String(ids[1]) }));
    expect(await del.json()).toEqual({ id: ids[1], deleted: true });

    const list = await (await quickRepliesRoute.GET(req("GET", "/api/agent/quick-replies", cookie), none)).json();
    expect(list.items.map((r: { body: string }) => r.body)).toEqual(["Hi there", "Hello 3", "Hello 4", "Hello 5"]);
  });

  it("answers bad bodies with 400", async () => {
    const cookie = await cookieFor(await createStaff(h.db));
    for (const body of [{}, { body: "" }, { body: "x".repeat(1001) }, { body: 42 }, "{not json", "[1,2]"]) {
      const res = await quickRepliesRoute.POST(req("POST", "/api/agent/quick-replies", cookie, body), none);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const res = await quickReplyRoute.PATCH(req("PATCH", "/api/agent/quick-replies/x", cookie, { body: "ok" }), params({ id: "x" }));
    expect(res.status).toBe(400);
  });
});

describe("POST /api/chat/conversations/:id/stage", () => {
  it("tags the agent's own chat; 400 for a bad stage, 403 elsewhere and for QA", async () => {
    const agent = await createStaff(h.db);
    const cookie = await cookieFor(agent);
    const mine = await createConversation(h.db, { assigneeId: agent.id });
    const theirs = await createConversation(h.db, { assigneeId: (await createStaff(h.db)).id });
    const id = (c: { conversation: { id: number } }) => params({ id: String(c.conversation.id) });

    const ok = await stageRoute.POST(req("POST", "/x", cookie, { stage: "qualified" }), id(mine));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id: mine.conversation.id, leadStage: "qualified" });

    const bad = await stageRoute.POST(req("POST", "/x", cookie, { stage: "hot" }), id(mine));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.fields).toHaveProperty("stage");

    expect((await stageRoute.POST(req("POST", "/x", cookie, { stage: "converted" }), id(theirs))).status).toBe(403);
    const qa = await createStaff(h.db, { role: "qa" });
    expect((await stageRoute.POST(req("POST", "/x", await cookieFor(qa), { stage: "converted" }), id(mine))).status).toBe(403);
  });
});

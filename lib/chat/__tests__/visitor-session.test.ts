import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, DbHandle } from "../../../db/client";
import { conversations } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createProject } from "../../../tests/factories";
import { anonymousCtx } from "../../ctx";
import { parseEnv } from "../../env";
import { setSingleton } from "../../singleton";
import { startConversation } from "../start-conversation";
import {
  findVisitorBySlugAndToken,
  findVisitorByToken,
  readVisitorToken,
  resolveVisitorConversation,
  resumeVisitorSession,
  visitorCookieName,
  visitorSetCookie,
} from "../visitor-session";

const NOW = new Date("2026-03-01T10:00:00.000Z");
let h: DbHandle;
let db: Db;
let projectA: Awaited<ReturnType<typeof createProject>>;
let projectB: Awaited<ReturnType<typeof createProject>>;

const contact = { name: "Ravi", country: "IN", phone: "98765 43210", email: "ravi@example.com" };

beforeAll(async () => {
  setSingleton(
    "env",
    parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-session-test"), SESSION_SECRET: "s".repeat(40), APP_URL: "https://chat.example.com" } as unknown as NodeJS.ProcessEnv),
  );
  h = await createTestDb();
  db = h.db;
  projectA = await createProject(db);
  projectB = await createProject(db);
});
afterAll(async () => {
  await h?.close();
});

/** Start (or resume) a chat as the visitor route does, from no particular IP; returns the verb's result. */
const start = async (now: Date, input: unknown) => (await startConversation({ ctx: anonymousCtx(db, { now, ip: "" }), input })).result;

describe("visitor tokens are project-scoped", () => {
  it("a token resolves only in its own project", async () => {
    const a = await start(NOW, { slug: projectA.slug, ...contact });
    expect((await findVisitorByToken(db, projectA.id, a.token))?.id).toBe(a.visitorId);
    expect(await findVisitorByToken(db, projectB.id, a.token)).toBeNull();
    expect((await resolveVisitorConversation(db, projectA.id, a.token))?.id).toBe(a.conversationId);
    expect(await resolveVisitorConversation(db, projectB.id, a.token)).toBeNull();
    expect((await findVisitorBySlugAndToken(db, projectA.slug, a.token))?.visitor.id).toBe(a.visitorId);
    expect(await findVisitorBySlugAndToken(db, projectB.slug, a.token)).toBeNull();
    expect(await findVisitorBySlugAndToken(db, "nope", a.token)).toBeNull();
  });

  it("malformed tokens never reach the database", async () => {
    expect(await findVisitorByToken(db, projectA.id, "")).toBeNull();
    expect(await findVisitorByToken(db, projectA.id, "' or 1=1 --")).toBeNull();
    expect(await findVisitorByToken(db, projectA.id, null)).toBeNull();
  });

  it("prefers the open conversation, else the latest closed one", async () => {
    const a = await start(NOW, { slug: projectA.slug, ...contact });
    await db.update(conversations).set({ status: "closed" }).where(eq(conversations.id, a.conversationId));
    expect((await resolveVisitorConversation(db, projectA.id, a.token))?.id).toBe(a.conversationId);
    const b = await start(new Date(NOW.getTime() + 1000), { slug: projectA.slug, ...contact, token: a.token });
    expect((await resolveVisitorConversation(db, projectA.id, a.token))?.id).toBe(b.conversationId);
  });
});

describe("reading the token from a request", () => {
  it("header first, then the project's own cookie", () => {
    const token = "A".repeat(43);
    const other = "B".repeat(43);
    const cookie = `${visitorCookieName(projectB.id)}=${other}; ${visitorCookieName(projectA.id)}=${token}`;
    expect(readVisitorToken(new Request("http://x/", { headers: { cookie } }), projectA.id)).toBe(token);
    expect(readVisitorToken(new Request("http://x/", { headers: { cookie } }), projectB.id)).toBe(other);
    expect(readVisitorToken(new Request("http://x/", { headers: { cookie, "x-visitor-token": "C".repeat(43) } }), projectA.id)).toBe("C".repeat(43));
    expect(readVisitorToken(new Request("http://x/"), projectA.id)).toBeNull();
  });

  it("the cookie is project-scoped, long-lived, SameSite=Lax, Secure on https", () => {
    const c = visitorSetCookie(7, "tok");
    expect(c).toMatch(/^occ_v_7=tok; /);
    expect(c).toContain("Path=/");
    expect(c).toContain("Max-Age=34560000");
    expect(c).toContain("SameSite=Lax");
    expect(c).toContain("Secure");
  });
});

describe("resumeVisitorSession", () => {
  it("resumes from a token in the body or the cookie", async () => {
    const a = await start(NOW, { slug: projectA.slug, ...contact });
    const fromBody = await resumeVisitorSession({ db, now: NOW, input: { slug: projectA.slug, token: a.token } });
    expect(fromBody).toMatchObject({ conversationId: a.conversationId, visitor: { name: "Ravi" }, token: a.token, projectId: projectA.id });
    const headers = new Headers({ cookie: `${visitorCookieName(projectA.id)}=${a.token}` });
    expect((await resumeVisitorSession({ db, now: NOW, input: { slug: projectA.slug }, headers })).conversationId).toBe(a.conversationId);
  });

  it("gives the same not_found for an unknown token, another project's token and an unknown slug", async () => {
    const a = await start(NOW, { slug: projectA.slug, ...contact });
    const errors = await Promise.all([
      resumeVisitorSession({ db, now: NOW, input: { slug: projectA.slug, token: "Z".repeat(43) } }).catch((e) => e),
      resumeVisitorSession({ db, now: NOW, input: { slug: projectB.slug, token: a.token } }).catch((e) => e),
      resumeVisitorSession({ db, now: NOW, input: { slug: "no-such", token: a.token } }).catch((e) => e),
      resumeVisitorSession({ db, now: NOW, input: { slug: projectA.slug } }).catch((e) => e),
    ]);
    for (const e of errors) expect({ code: e.code, message: e.message }).toEqual({ code: "not_found", message: "No conversation found." });
  });
});

import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { conversations } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { CLIENT_IP_HEADER } from "@/lib/http";
import { parseEnv } from "@/lib/env";
import { blockIp, unblockIp, listActiveBlocks } from "@/lib/security/ip-blocks";
import { setSingleton } from "@/lib/singleton";
import { createProject } from "@/tests/factories";
import * as startRoute from "../conversations/route";
import * as sessionRoute from "../session/route";

const HOST = "chat.example.com";
const OWN = `https://${HOST}`;
let h: DbHandle;
let project: Awaited<ReturnType<typeof createProject>>;
let other: Awaited<ReturnType<typeof createProject>>;

const rc = { params: Promise.resolve({}) };
const contact = { name: "Asha", country: "GB", phone: "020 7946 0958", email: "asha@example.com" };

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return new Request(`${OWN}${url}`, {
    method: "POST",
    headers: { host: HOST, "content-type": "application/json", [CLIENT_IP_HEADER]: "203.0.113.10", ...headers },
    body: JSON.stringify(body),
  });
}

const conversationCount = async () => (await h.db.select({ n: sql<number>`count(*)::int` }).from(conversations))[0].n;

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-visitor-api"), SESSION_SECRET: "s".repeat(40) } as unknown as NodeJS.ProcessEnv));
  h = await createTestDb();
  // Route handlers reach the database through getDb(): point it at this file's database.
  setSingleton("db", Promise.resolve(h));
  project = await createProject(h.db, { allowedOrigins: ["https://*.client.com"] });
  other = await createProject(h.db);
});
afterAll(async () => {
  setSingleton("db", undefined);
  await h?.close();
});

describe("POST /api/visitor/conversations", () => {
  it("starts a chat from our own page and sets the project cookie", async () => {
    const res = await startRoute.POST(post("/api/visitor/conversations", { slug: project.slug, ...contact }, { origin: OWN }), rc);
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toEqual({ token: expect.any(String), conversationId: expect.any(Number), created: true });
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toContain(`occ_v_${project.id}=${body.token}`);
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Max-Age=34560000");
    expect(res.headers.get("access-control-allow-origin")).toBe(OWN);
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("allows a whitelisted embed origin (wildcard) and echoes it", async () => {
    const res = await startRoute.POST(post("/api/visitor/conversations", { slug: project.slug, ...contact }, { origin: "https://shop.client.com" }), rc);
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.client.com");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
  });

  it("refuses an origin outside the project's whitelist and creates nothing", async () => {
    const before = await conversationCount();
    for (const origin of ["https://client.com.evil.com", "http://shop.client.com"]) {
      const res = await startRoute.POST(post("/api/visitor/conversations", { slug: project.slug, ...contact }, { origin }), rc);
      expect(res.status).toBe(403);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    }
    // Allowed for project, not for `other`.
    const res = await startRoute.POST(post("/api/visitor/conversations", { slug: other.slug, ...contact }, { origin: "https://shop.client.com" }), rc);
    expect(res.status).toBe(403);
    expect(await conversationCount()).toBe(before);
  });

  it("returns field errors as a 400", async () => {
    const before = await conversationCount();
    const res = await startRoute.POST(post("/api/visitor/conversations", { slug: project.slug, ...contact, phone: "12", email: "nope" }, { origin: OWN }), rc);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(Object.keys(body.error.fields).sort()).toEqual(["email", "phone"]);
    expect(await conversationCount()).toBe(before);
  });

  it("a blocked IP gets a bare 403", async () => {
    await blockIp(h.db, { address: "192.0.2.9", reason: "test", source: "manual" });
    const res = await startRoute.POST(post("/api/visitor/conversations", { slug: project.slug, ...contact }, { [CLIENT_IP_HEADER]: "192.0.2.9" }), rc);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe("");
    for (const b of await listActiveBlocks(h.db)) await unblockIp(h.db, b.id);
  });
});

describe("CORS preflight", () => {
  const preflight = (origin: string, query = "") =>
    startRoute.OPTIONS(
      new Request(`${OWN}/api/visitor/conversations${query}`, {
        method: "OPTIONS",
        headers: { host: HOST, origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      }),
    );

  it("answers an allowed origin", async () => {
    const res = await preflight("https://a.b.client.com");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://a.b.client.com");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toContain("content-type");
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("refuses an unknown origin, and one the named project doesn't allow", async () => {
    const res = await preflight("https://evil.test");
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight("https://a.client.com", `?project=${other.slug}`)).status).toBe(403);
    expect((await preflight("https://a.client.com", `?project=${project.slug}`)).status).toBe(204);
  });
});

describe("POST /api/visitor/session", () => {
  it("resumes from the cookie and re-sets it", async () => {
    const started = await (await startRoute.POST(post("/api/visitor/conversations", { slug: project.slug, ...contact, name: "Kiran" }), rc)).json();
    const res = await sessionRoute.POST(post("/api/visitor/session", { slug: project.slug }, { cookie: `occ_v_${project.id}=${started.token}` }), rc);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ conversationId: started.conversationId, visitor: { name: "Kiran" } });
    expect(res.headers.get("set-cookie")).toContain(`occ_v_${project.id}=${started.token}`);
  });

  it("resumes from a token in the body (cookie cleared) and restores the cookie", async () => {
    const started = await (await startRoute.POST(post("/api/visitor/conversations", { slug: project.slug, ...contact }), rc)).json();
    const res = await sessionRoute.POST(post("/api/visitor/session", { slug: project.slug, token: started.token }), rc);
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toContain(`occ_v_${project.id}=${started.token}`);
  });

  it("answers the same 404 for an unknown token and another project's token", async () => {
    const started = await (await startRoute.POST(post("/api/visitor/conversations", { slug: project.slug, ...contact }), rc)).json();
    const unknown = await sessionRoute.POST(post("/api/visitor/session", { slug: project.slug, token: "Q".repeat(43) }), rc);
    const foreign = await sessionRoute.POST(post("/api/visitor/session", { slug: other.slug, token: started.token }), rc);
    const foreignCookie = await sessionRoute.POST(post("/api/visitor/session", { slug: other.slug }, { cookie: `occ_v_${project.id}=${started.token}` }), rc);
    expect(unknown.status).toBe(404);
    expect(foreign.status).toBe(404);
    expect(foreignCookie.status).toBe(404);
    const bodies = await Promise.all([unknown.text(), foreign.text(), foreignCookie.text()]);
    expect(new Set(bodies).size).toBe(1);
    expect(foreign.headers.get("set-cookie")).toBeNull();
  });
});

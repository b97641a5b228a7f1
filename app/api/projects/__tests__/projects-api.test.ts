import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { sealSession, SESSION_COOKIE } from "@/lib/auth/session";
import { parseEnv } from "@/lib/env";
import { CLIENT_IP_HEADER } from "@/lib/http";
import { setSingleton } from "@/lib/singleton";
import { createStaff } from "@/tests/factories";
import * as cloneRoute from "../[id]/clone/route";
import * as defaultRoute from "../[id]/default/route";
import * as iconRoute from "../[id]/icon/route";
import * as projectRoute from "../[id]/route";
import * as projectsRoute from "../route";

/** The Projects API through its route handlers: sessions, the admin-only permission, status codes and bodies. */
const BASE = "http://chat.example.test";
let h: DbHandle;
let dataDir: string;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "occ-projects-api-"));
  setSingleton("env", parseEnv({ DATA_DIR: dataDir, SESSION_SECRET: "s".repeat(40), APP_URL: "https://chat.example.com" } as unknown as NodeJS.ProcessEnv));
  h = await createTestDb();
  setSingleton("db", Promise.resolve(h));
});
afterAll(async () => {
  setSingleton("db", undefined);
  setSingleton("env", undefined);
  await h?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

let n = 0;
const slug = () => `api-${Date.now().toString(36)}-${++n}`;

async function cookieAs(role: "admin" | "manager" | "agent" | "qa") {
  const u = await createStaff(h.db, { role });
  return `${SESSION_COOKIE}=${await sealSession({ userId: u.id, sessionVersion: u.sessionVersion }, { db: h.db })}`;
}

function req(method: string, url: string, cookie: string | null, body?: unknown, headers: Record<string, string> = {}) {
  return new Request(`${BASE}${url}`, {
    method,
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(method !== "GET" ? { "sec-fetch-site": "same-origin" } : {}),
      [CLIENT_IP_HEADER]: "198.51.100.78",
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
const params = <P>(p: P) => ({ params: Promise.resolve(p) });
const none = params({});

async function iconRequest(id: number, cookie: string, data: Buffer, type = "image/png") {
  const form = new FormData();
  form.set("file", new File([new Uint8Array(data)], "icon", { type }));
  const draft = new Request(`${BASE}/api/projects/${id}/icon`, { method: "POST", body: form });
  const body = new Uint8Array(await draft.arrayBuffer());
  return new Request(`${BASE}/api/projects/${id}/icon`, {
    method: "POST",
    headers: { cookie, "sec-fetch-site": "same-origin", "content-type": draft.headers.get("content-type")!, "content-length": String(body.byteLength) },
    body,
  });
}

describe("/api/projects", () => {
  it("admin: creates (201), lists with APP_URL, edits with a version (409 when stale), clones, makes default", async () => {
    const admin = await cookieAs("admin");
    const s = slug();
    const created = await projectsRoute.POST(req("POST", "/api/projects", admin, { slug: s, title: "Api brand", accentColor: "#0f766e" }), none);
    expect(created.status).toBe(201);
    const project = await created.json();
    expect(project).toMatchObject({ slug: s, accentColor: "#0f766e", isDefault: false });

    const list = await projectsRoute.GET(req("GET", `/api/projects?q=${s}`, admin), none);
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ total: 1, appUrl: "https://chat.example.com", appUrlConfigured: true, items: [{ id: project.id, slug: s }] });

    const id = String(project.id);
    const edit = await projectRoute.PATCH(req("PATCH", `/api/projects/${id}`, admin, { title: "Edited", version: project.version }), params({ id }));
    expect(edit.status).toBe(200);
    const stale = await projectRoute.PATCH(req("PATCH", `/api/projects/${id}`, admin, { title: "Again", version: project.version }), params({ id }));
    expect(stale.status).toBe(409);
    expect((await stale.json()).error.message).toMatch(/Someone else changed this project/);

    const got = await projectRoute.GET(req("GET", `/api/projects/${id}`, admin), params({ id }));
    expect(await got.json()).toMatchObject({ title: "Edited" });

    const clone = await cloneRoute.POST(req("POST", `/api/projects/${id}/clone`, admin, { slug: slug() }), params({ id }));
    expect(clone.status).toBe(201);
    const def = await defaultRoute.POST(req("POST", `/api/projects/${id}/default`, admin), params({ id }));
    expect(def.status).toBe(200);
    expect(await def.json()).toMatchObject({ id: project.id, isDefault: true });
  });

  it("bad bodies are 400 with field errors; unknown ids 404; malformed JSON 400", async () => {
    const admin = await cookieAs("admin");
    const bad = await projectsRoute.POST(req("POST", "/api/projects", admin, { slug: "Has Spaces", title: "", accentColor: "#12345", allowedOrigins: "https://ok.test\nftp://x.test" }), none);
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body.error.fields).toMatchObject({ slug: expect.any(String), title: expect.any(String), accentColor: expect.any(String), "allowedOrigins.2": expect.stringMatching(/^Line 2/) });
    const missing = await projectRoute.PATCH(req("PATCH", "/api/projects/2000000000", admin, { title: "x" }), params({ id: "2000000000" }));
    expect(missing.status).toBe(404);
    const forged = await projectRoute.GET(req("GET", "/api/projects/abc", admin), params({ id: "abc" }));
    expect(forged.status).toBe(400);
    const malformed = await projectsRoute.POST(new Request(`${BASE}/api/projects`, { method: "POST", headers: { cookie: admin, "content-type": "application/json", "sec-fetch-site": "same-origin" }, body: "{" }), none);
    expect(malformed.status).toBe(400);
  });

  it("managers, agents and QA get 403 on every Projects call; no session 401", async () => {
    const admin = await cookieAs("admin");
    const project = await (await projectsRoute.POST(req("POST", "/api/projects", admin, { slug: slug(), title: "Theirs" }), none)).json();
    const id = String(project.id);
    for (const role of ["manager", "agent", "qa"] as const) {
      const c = await cookieAs(role);
      const calls = [
        projectsRoute.GET(req("GET", "/api/projects", c), none),
        projectsRoute.POST(req("POST", "/api/projects", c, { slug: slug(), title: "No" }), none),
        projectRoute.GET(req("GET", `/api/projects/${id}`, c), params({ id })),
        projectRoute.PATCH(req("PATCH", `/api/projects/${id}`, c, { title: "No" }), params({ id })),
        cloneRoute.POST(req("POST", `/api/projects/${id}/clone`, c, { slug: slug() }), params({ id })),
        defaultRoute.POST(req("POST", `/api/projects/${id}/default`, c), params({ id })),
        iconRoute.POST(await iconRequest(project.id, c, Buffer.from("x")), params({ id })),
        iconRoute.DELETE(req("DELETE", `/api/projects/${id}/icon`, c), params({ id })),
      ];
      expect((await Promise.all(calls)).map((r) => r.status), role).toEqual([403, 403, 403, 403, 403, 403, 403, 403]);
    }
    expect((await projectsRoute.GET(req("GET", "/api/projects", null), none)).status).toBe(401);
  });

  it("icon: an upload is served from our origin with cache headers; a non-image is a 415 and changes nothing", async () => {
    const admin = await cookieAs("admin");
    const project = await (await projectsRoute.POST(req("POST", "/api/projects", admin, { slug: slug(), title: "Iconic" }), none)).json();
    const id = String(project.id);
    const refused = await iconRoute.POST(await iconRequest(project.id, admin, Buffer.from("GIF8 but not really")), params({ id }));
    expect(refused.status).toBe(415);
    expect((await refused.json()).error.fields).toHaveProperty("icon");
    expect((await iconRoute.GET(req("GET", `/api/projects/${id}/icon`, null), params({ id }))).status).toBe(404);

    const png = await sharp({ create: { width: 64, height: 64, channels: 4, background: "#ef4444" } }).png().toBuffer();
    const up = await iconRoute.POST(await iconRequest(project.id, admin, png), params({ id }));
    expect(up.status).toBe(200);
    const { iconUrl } = await up.json();
    const versioned = await iconRoute.GET(req("GET", iconUrl, null), params({ id }));
    expect(versioned.status).toBe(200);
    expect(versioned.headers.get("content-type")).toBe("image/webp");
    expect(versioned.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(versioned.headers.get("x-content-type-options")).toBe("nosniff");
    const bare = await iconRoute.GET(req("GET", `/api/projects/${id}/icon`, null), params({ id }));
    expect(bare.headers.get("cache-control")).toBe("public, max-age=60");
    const again = await iconRoute.GET(req("GET", iconUrl, null, undefined, { "if-none-match": versioned.headers.get("etag")! }), params({ id }));
    expect(again.status).toBe(304);

    const tooBig = new Request(`${BASE}/api/projects/${id}/icon`, {
      method: "POST",
      headers: { cookie: admin, "sec-fetch-site": "same-origin", "content-type": "multipart/form-data; boundary=x", "content-length": String(3 * 1024 * 1024) },
      body: "--x--",
    });
    expect((await iconRoute.POST(tooBig, params({ id }))).status).toBe(413);
  });
});

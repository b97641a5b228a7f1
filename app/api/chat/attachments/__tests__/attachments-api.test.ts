import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, count, eq } from "drizzle-orm";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { attachments, strikes } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { sealSession, SESSION_COOKIE } from "@/lib/auth/session";
import { uploadsDir } from "@/lib/chat/attachments";
import { VISITOR_TOKEN_HEADER } from "@/lib/chat/visitor-session";
import { parseEnv } from "@/lib/env";
import { CLIENT_IP_HEADER } from "@/lib/http";
import { setSingleton } from "@/lib/singleton";
import { createConversation, createStaff } from "@/tests/factories";
import * as serveRoute from "../[id]/route";
import * as uploadRoute from "../route";

const BASE = "http://chat.example.test";
let h: DbHandle;
let dataDir: string;
let chat: Awaited<ReturnType<typeof createConversation>>;
let ipSeq = 0;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "occ-attachments-api-"));
  setSingleton("env", parseEnv({ DATA_DIR: dataDir, SESSION_SECRET: "s".repeat(40) } as unknown as NodeJS.ProcessEnv));
  h = await createTestDb();
  // Route handlers reach the database through getDb(): point it at this file's database.
  setSingleton("db", Promise.resolve(h));
  chat = await createConversation(h.db, { status: "queued" });
});
afterAll(async () => {
  setSingleton("db", undefined);
  await h?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const nextIp = () => `192.0.2.${++ipSeq}`;

/** A multipart upload as a browser sends it: with its Content-Length. */
async function uploadRequest(data: Buffer, headers: Record<string, string>) {
  const form = new FormData();
  form.set("conversationId", String(chat.conversation.id));
  form.set("file", new File([new Uint8Array(data)], "photo.jpg", { type: "image/jpeg" }));
  const draft = new Request(`${BASE}/api/chat/attachments`, { method: "POST", body: form });
  const body = new Uint8Array(await draft.arrayBuffer());
  return new Request(`${BASE}/api/chat/attachments`, {
    method: "POST",
    headers: { "content-type": draft.headers.get("content-type")!, "content-length": String(body.byteLength), ...headers },
    body,
  });
}

function get(id: number, query: string, headers: Record<string, string>) {
  return serveRoute.GET(new Request(`${BASE}/api/chat/attachments/${id}${query}`, { headers: { [CLIENT_IP_HEADER]: nextIp(), ...headers } }), {
    params: Promise.resolve({ id: String(id) }),
  });
}

const asVisitor = (token = chat.visitor.token) => ({ [VISITOR_TOKEN_HEADER]: token });
async function asStaff(role: "admin" | "agent") {
  const u = await createStaff(h.db, { role });
  return { cookie: `${SESSION_COOKIE}=${await sealSession({ userId: u.id, sessionVersion: u.sessionVersion })}` };
}

function expectImageHeaders(res: Response, type: string) {
  expect(res.headers.get("content-type")).toBe(type);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
  expect(res.headers.get("content-disposition")).toBe("inline");
  expect(res.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
}

async function uploadStrikes(ip: string) {
  const [{ n }] = await h.db.select({ n: count() }).from(strikes).where(and(eq(strikes.ip, ip), eq(strikes.rule, "upload")));
  return n;
}

describe("POST /api/chat/attachments then GET /api/chat/attachments/:id[?size=thumb]", () => {
  it("stores a re-encoded photo, serves the full image and the WebP thumbnail with the sandbox headers", async () => {
    const photo = await sharp({ create: { width: 3200, height: 2400, channels: 3, background: "#48c" } })
      .jpeg()
      .withExif({ IFD0: { Make: "SecretPhoneMaker" }, IFD3: { GPSLatitudeRef: "N", GPSLatitude: "51/1 30/1 0/1" } })
      .toBuffer();
    const res = await uploadRoute.POST(await uploadRequest(photo, { ...asVisitor(), [CLIENT_IP_HEADER]: nextIp() }), { params: Promise.resolve({}) });
    expect(res.status).toBe(201);
    const dto = await res.json();
    expect(dto).toEqual({
      id: expect.any(Number),
      url: `/api/chat/attachments/${dto.id}`,
      mime: "image/jpeg",
      width: 2560,
      height: 1920,
      thumbUrl: `/api/chat/attachments/${dto.id}?size=thumb`,
      thumbWidth: 480,
      thumbHeight: 360,
    });

    const full = await get(dto.id, "", asVisitor());
    expect(full.status).toBe(200);
    expectImageHeaders(full, "image/jpeg");
    const fullBytes = Buffer.from(await full.arrayBuffer());
    expect(fullBytes.includes("SecretPhoneMaker")).toBe(false);
    const fm = await sharp(fullBytes).metadata();
    expect(fm).toMatchObject({ format: "jpeg", width: 2560, height: 1920 });
    expect(fm.exif).toBeUndefined();

    const thumb = await get(dto.id, "?size=thumb", asVisitor());
    expect(thumb.status).toBe(200);
    expectImageHeaders(thumb, "image/webp");
    expect(await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).toMatchObject({ format: "webp", width: 480, height: 360 });

    // Staff who may read the chat get both; the size must be one we know.
    const admin = await asStaff("admin");
    expect((await get(dto.id, "", admin)).status).toBe(200);
    expect((await get(dto.id, "?size=thumb", admin)).status).toBe(200);
    const bad = await get(dto.id, "?size=huge", admin);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("bad_request");
  });

  it("checks access on every request, thumbnail included: strangers get the same 404 as a missing image", async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#f80" } }).png().toBuffer();
    const res = await uploadRoute.POST(await uploadRequest(png, { ...asVisitor(), [CLIENT_IP_HEADER]: nextIp() }), { params: Promise.resolve({}) });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const other = await createConversation(h.db, { projectId: chat.projectId });
    // An agent may read the queue, but not a teammate's closed chat.
    const agent = await asStaff("agent");
    const closedElsewhere = await createConversation(h.db, { status: "closed", assigneeId: (await createStaff(h.db)).id });
    const [closedAtt] = await h.db
      .insert(attachments)
      .values({ conversationId: closedElsewhere.conversation.id, storageName: "nope.png", mime: "image/png", size: 1, uploaderKind: "visitor" })
      .returning();
    for (const query of ["", "?size=thumb"]) {
      for (const headers of [{}, asVisitor(other.visitor.token), asVisitor("x".repeat(43))]) {
        const r = await get(id, query, headers);
        expect(r.status, `${query} ${JSON.stringify(headers)}`).toBe(404);
        expect(r.headers.get("content-type")).toMatch(/json/);
      }
      expect((await get(id, query, agent)).status).toBe(200);
      expect((await get(closedAtt.id, query, agent)).status).toBe(404);
      expect((await get(999_999, query, asVisitor())).status).toBe(404);
    }
  });

  it("an upload from before thumbnails: ?size=thumb answers with the full image", async () => {
    const legacy = await sharp({ create: { width: 16, height: 9, channels: 3, background: "#0a0" } }).png().toBuffer();
    await fs.mkdir(uploadsDir(), { recursive: true });
    await fs.writeFile(path.join(uploadsDir(), "legacy-api.png"), legacy);
    const [row] = await h.db
      .insert(attachments)
      .values({ conversationId: chat.conversation.id, storageName: "legacy-api.png", mime: "image/png", size: legacy.byteLength, width: 16, height: 9, uploaderKind: "visitor" })
      .returning();
    const r = await get(row.id, "?size=thumb", asVisitor());
    expect(r.status).toBe(200);
    expectImageHeaders(r, "image/png");
    expect(Buffer.from(await r.arrayBuffer()).equals(legacy)).toBe(true);
  });

  it("refuses a 196 Mpx PNG with 413 and an upload strike against the client", async () => {
    const bomb = await sharp({ create: { width: 14000, height: 14000, channels: 3, background: "#000" } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const ip = nextIp();
    const before = (await h.db.select({ n: count() }).from(attachments))[0].n;
    const res = await uploadRoute.POST(await uploadRequest(bomb, { ...asVisitor(), [CLIENT_IP_HEADER]: ip }), { params: Promise.resolve({}) });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatchObject({ code: "payload_too_large", message: expect.stringMatching(/megapixels/) });
    expect(await uploadStrikes(ip)).toBe(1);
    expect((await h.db.select({ n: count() }).from(attachments))[0].n).toBe(before);
  });

  it("refuses a truncated PNG with 400 (never a 500) and a strike", async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#123" } })
      .composite([{ input: await sharp({ create: { width: 20, height: 20, channels: 3, background: "#fed" } }).png().toBuffer(), left: 5, top: 5 }])
      .png()
      .toBuffer();
    const ip = nextIp();
    const res = await uploadRoute.POST(await uploadRequest(png.subarray(0, png.length - 30), { ...asVisitor(), [CLIENT_IP_HEADER]: ip }), {
      params: Promise.resolve({}),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("bad_request");
    expect(await uploadStrikes(ip)).toBe(1);
  });
});

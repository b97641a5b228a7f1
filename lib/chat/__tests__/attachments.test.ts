import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, count, eq } from "drizzle-orm";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { attachments, strikes } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { parseEnv } from "@/lib/env";
import { setSingleton } from "@/lib/singleton";
import { createConversation, visitorCtxFor } from "@/tests/factories";
import { readAttachment, uploadAttachment, uploadsDir } from "../attachments";
import { createGate, FULL_MAX_SIDE, imageGate, THUMB_BOX } from "../image-processing";

/**
 * Uploads end to end below the route: real images built with sharp, a real
 * database, real files in a throwaway DATA_DIR. What is stored is what the
 * decoder re-encoded — never the uploaded bytes.
 */

let h: DbHandle;
let dataDir: string;
let chat: Awaited<ReturnType<typeof createConversation>>;
let ipSeq = 0;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "occ-attachments-"));
  setSingleton("env", parseEnv({ DATA_DIR: dataDir, SESSION_SECRET: "s".repeat(40) } as unknown as NodeJS.ProcessEnv));
  h = await createTestDb();
  chat = await createConversation(h.db, { status: "queued" });
});
afterAll(async () => {
  await h?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

/** A visitor ctx from its own address, so each test's strikes are its own. */
function ctx() {
  return { ...visitorCtxFor(h.db, chat.visitor), ip: `198.51.100.${++ipSeq}` };
}
const file = (data: Buffer, name = "upload.bin", type = "application/octet-stream") => new File([new Uint8Array(data)], name, { type });
const upload = (c: ReturnType<typeof ctx>, data: Buffer) => uploadAttachment({ ctx: c, input: { conversationId: chat.conversation.id }, file: file(data) });

async function strikeCount(ip: string) {
  const [{ n }] = await h.db.select({ n: count() }).from(strikes).where(and(eq(strikes.ip, ip), eq(strikes.rule, "upload")));
  return n;
}
const rowCount = async () => (await h.db.select({ n: count() }).from(attachments))[0].n;
const storedFiles = async () => (await fs.readdir(uploadsDir()).catch(() => [] as string[])).sort();
async function stored(id: number) {
  const [row] = await h.db.select().from(attachments).where(eq(attachments.id, id));
  return {
    row,
    full: await fs.readFile(path.join(uploadsDir(), row.storageName)),
    thumb: await fs.readFile(path.join(uploadsDir(), row.thumbStorageName!)),
  };
}

/** Solid colour halves: left red, right blue. */
async function halves(width: number, height: number) {
  const half = (colour: string) => sharp({ create: { width: width / 2, height, channels: 3, background: colour } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: "#000" } })
    .composite([
      { input: await half("#ff0000"), left: 0, top: 0 },
      { input: await half("#0000ff"), left: width / 2, top: 0 },
    ])
    .png()
    .toBuffer();
}

async function pixel(img: Buffer, x: number, y: number) {
  const { data, info } = await sharp(img).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i], data[i + 1], data[i + 2]];
}

async function refused(p: Promise<unknown>) {
  return p.then(
    () => {
      throw new Error("expected the upload to be refused");
    },
    (err: { code: string; message: string }) => err,
  );
}

describe("uploadAttachment re-encodes", () => {
  it("strips EXIF (GPS), XMP and ICC from a JPEG and applies its orientation", async () => {
    // A 300×200 photo whose EXIF says "rotate 90° clockwise to display", with GPS, a camera make, XMP and a Display P3 profile.
    const jpeg = await sharp(await halves(300, 200))
      .jpeg({ quality: 90 })
      .withMetadata({ orientation: 6 })
      .withExifMerge({ IFD0: { Make: "SecretPhoneMaker" }, IFD3: { GPSLatitudeRef: "N", GPSLatitude: "51/1 30/1 0/1", GPSLongitudeRef: "W", GPSLongitude: "0/1 7/1 0/1" } })
      .withIccProfile("p3")
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description>secret-xmp</rdf:Description></rdf:RDF></x:xmpmeta>')
      .toBuffer();
    const input = await sharp(jpeg).metadata();
    expect(input).toMatchObject({ orientation: 6, width: 300, height: 200 });
    expect(input.exif?.toString("latin1")).toContain("SecretPhoneMaker");
    expect(input.icc).toBeDefined();
    expect(input.xmp).toBeDefined();

    const dto = await upload(ctx(), jpeg);
    const { row, full, thumb } = await stored(dto.id);
    const out = await sharp(full).metadata();
    expect(out.format).toBe("jpeg");
    expect(out.exif).toBeUndefined();
    expect(out.xmp).toBeUndefined();
    expect(out.icc).toBeUndefined();
    expect(out.orientation).toBeUndefined();
    expect(full.includes("SecretPhoneMaker")).toBe(false);
    expect(full.includes("secret-xmp")).toBe(false);
    // Orientation applied to the pixels: displayed upright, the left (red) half is now on top.
    expect([out.width, out.height]).toEqual([200, 300]);
    const [r1, , b1] = await pixel(full, 100, 30);
    const [r2, , b2] = await pixel(full, 100, 270);
    expect(r1).toBeGreaterThan(200);
    expect(b1).toBeLessThan(60);
    expect(b2).toBeGreaterThan(200);
    expect(r2).toBeLessThan(60);
    // The row describes the stored file, not the upload.
    expect(row).toMatchObject({ mime: "image/jpeg", size: full.byteLength, width: 200, height: 300 });
    expect(row.storageName).toMatch(/^[0-9a-f-]{36}\.jpg$/);
    const t = await sharp(thumb).metadata();
    expect(t).toMatchObject({ format: "webp", width: 200, height: 300 });
    expect(t.exif).toBeUndefined();
    expect(dto).toEqual({
      id: row.id,
      url: `/api/chat/attachments/${row.id}`,
      mime: "image/jpeg",
      width: 200,
      height: 300,
      thumbUrl: `/api/chat/attachments/${row.id}?size=thumb`,
      thumbWidth: 200,
      thumbHeight: 300,
    });
  });

  it("bounds the full image to 2560 px and the thumbnail to the 480 px box", async () => {
    const big = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: "#3a6" } }).jpeg().toBuffer();
    const a = await upload(ctx(), big);
    const s = await stored(a.id);
    expect(await sharp(s.full).metadata()).toMatchObject({ width: FULL_MAX_SIDE, height: 1920 });
    expect(await sharp(s.thumb).metadata()).toMatchObject({ format: "webp", width: THUMB_BOX, height: 360 });
    expect(a).toMatchObject({ width: 2560, height: 1920, thumbWidth: 480, thumbHeight: 360 });
    expect(s.row.size).toBe(s.full.byteLength);

    // A tall screenshot: the box bounds the height too.
    const tall = await sharp({ create: { width: 1000, height: 3000, channels: 4, background: "#fff8" } }).png().toBuffer();
    const b = await upload(ctx(), tall);
    expect(b).toMatchObject({ mime: "image/png", width: 853, height: 2560, thumbWidth: 160, thumbHeight: 480 });
    const t = await stored(b.id);
    expect(await sharp(t.full).metadata()).toMatchObject({ format: "png", width: 853, height: 2560, hasAlpha: true });
    for (const dto of [a, b]) {
      expect(dto.thumbWidth!).toBeLessThanOrEqual(THUMB_BOX);
      expect(dto.thumbHeight!).toBeLessThanOrEqual(THUMB_BOX);
    }

    // Small images are never enlarged.
    const small = await upload(ctx(), await sharp({ create: { width: 12, height: 8, channels: 3, background: "#25f" } }).webp().toBuffer());
    expect(small).toMatchObject({ mime: "image/webp", width: 12, height: 8, thumbWidth: 12, thumbHeight: 8 });
  });

  it("keeps only the image of a polyglot: a PNG with a ZIP and HTML appended, a JPEG with a trailing script", async () => {
    const png = await halves(40, 20);
    const zipHtml = Buffer.concat([Buffer.from("PK\x03\x04\x14\x00\x00\x00", "latin1"), Buffer.from("<html><script>alert(document.cookie)</script></html>")]);
    const polyPng = Buffer.concat([png, zipHtml]);
    const a = await upload(ctx(), polyPng);
    const sa = await stored(a.id);
    expect(sa.full.includes("<script>")).toBe(false);
    expect(sa.full.includes("PK\x03\x04")).toBe(false);
    expect(sa.thumb.includes("<script>")).toBe(false);
    expect(await sharp(sa.full).metadata()).toMatchObject({ format: "png", width: 40, height: 20 });
    // The PNG ends at its IEND chunk: nothing after it.
    expect(sa.full.subarray(-8).toString("latin1", 0, 4)).toBe("IEND");

    const jpeg = await sharp(png).jpeg().toBuffer();
    const polyJpeg = Buffer.concat([jpeg, Buffer.from("<script>alert(1)</script>")]);
    const b = await upload(ctx(), polyJpeg);
    const sb = await stored(b.id);
    expect(sb.full.includes("<script>")).toBe(false);
    expect([sb.full[sb.full.length - 2], sb.full[sb.full.length - 1]]).toEqual([0xff, 0xd9]); // ends at EOI
  });

  it("re-encodes an animated GIF as an animated GIF, with an animated WebP thumbnail", async () => {
    const w = 100;
    const fh = 80;
    const frames = 5;
    const raw = Buffer.alloc(w * fh * frames * 4);
    for (let f = 0; f < frames; f++) {
      for (let i = 0; i < w * fh; i++) raw.set([f * 50, 255 - f * 50, 0, 255], (f * w * fh + i) * 4);
    }
    const gif = await sharp(raw, { raw: { width: w, height: fh * frames, channels: 4, pageHeight: fh } })
      .gif({ delay: Array(frames).fill(120), loop: 0 })
      .toBuffer();
    const a = await upload(ctx(), Buffer.concat([gif, Buffer.from("<script>x</script>")]));
    expect(a).toMatchObject({ mime: "image/gif", width: 100, height: 80, thumbWidth: 100, thumbHeight: 80 });
    const s = await stored(a.id);
    expect(s.full.includes("<script>")).toBe(false);
    expect(await sharp(s.full).metadata()).toMatchObject({ format: "gif", pages: 5, width: 100, height: 80, delay: [120, 120, 120, 120, 120] });
    expect(await sharp(s.thumb).metadata()).toMatchObject({ format: "webp", pages: 5, width: 100, height: 80 });

    // A still GIF stays a (still) GIF.
    const still = await upload(ctx(), await sharp({ create: { width: 30, height: 20, channels: 3, background: "#f0f" } }).gif().toBuffer());
    expect(still).toMatchObject({ mime: "image/gif", width: 30, height: 20 });
  });
});

describe("uploadAttachment refuses", () => {
  it("a 14,000 × 14,000 PNG (196 Mpx) from its header: 413, an upload strike, nothing stored", async () => {
    const bomb = await sharp({ create: { width: 14000, height: 14000, channels: 3, background: "#fff" } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.byteLength).toBeLessThan(1024 * 1024); // under the 5 MB cap: only the pixel limit stops it
    const c = ctx();
    const [rowsBefore, filesBefore] = [await rowCount(), await storedFiles()];
    const err = await refused(upload(c, bomb));
    expect(err.code).toBe("payload_too_large");
    expect(err.message).toMatch(/megapixels/);
    expect(await strikeCount(c.ip)).toBe(1);
    expect(await rowCount()).toBe(rowsBefore);
    expect(await storedFiles()).toEqual(filesBefore);
  });

  it("an animation over the frame limit, however small its frames", async () => {
    const frames = 201;
    // 4×4 black-and-white frames, each spelling its own number in bits, so the encoder can't merge any two.
    const raw = Buffer.alloc(16 * frames * 4);
    for (let f = 0; f < frames; f++) for (let i = 0; i < 16; i++) raw.fill((f >> i) & 1 ? 255 : 0, (f * 16 + i) * 4, (f * 16 + i) * 4 + 3).fill(255, (f * 16 + i) * 4 + 3, (f * 16 + i + 1) * 4);
    const gif = await sharp(raw, { raw: { width: 4, height: 4 * frames, channels: 4, pageHeight: 4 } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(frames);
    const c = ctx();
    expect((await refused(upload(c, gif))).code).toBe("payload_too_large");
    expect(await strikeCount(c.ip)).toBe(1);
  });

  it("truncated and corrupt images: 400 and a strike each", async () => {
    const png = await halves(64, 64);
    const jpeg = await sharp(png).jpeg().toBuffer();
    const corrupt = Buffer.from(png);
    corrupt.fill(0x55, 60, 120); // inside IDAT: the zlib stream and its CRC no longer check out
    const c = ctx();
    const rowsBefore = await rowCount();
    for (const bad of [png.subarray(0, png.length - 40), jpeg.subarray(0, Math.floor(jpeg.length / 2)), corrupt]) {
      const err = await refused(upload(c, bad));
      expect(err.code).toBe("bad_request");
      expect(err.message).toMatch(/isn't a complete, valid (PNG|JPEG) image/);
    }
    expect(await strikeCount(c.ip)).toBe(3);
    expect(await rowCount()).toBe(rowsBefore);
  });

  it("non-images and SVG, by their bytes: 415 and a strike", async () => {
    const c = ctx();
    for (const bad of [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), Buffer.from("just text")]) {
      expect((await refused(upload(c, bad))).code).toBe("unsupported_media_type");
    }
    expect(await strikeCount(c.ip)).toBe(2);
  });

  it("with every processing slot and queue place taken: 429 with a retry time, no strike (the client did nothing wrong)", async () => {
    const gate = imageGate();
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const holders: Promise<void>[] = [];
    // Two running and eight waiting.
    for (let i = 0; i < 10; i++) holders.push(gate.run(() => hold));
    expect([gate.running, gate.queued]).toEqual([2, 8]);
    const c = ctx();
    const err = (await refused(upload(c, await halves(8, 8)))) as unknown as { code: string; details: { retryAfterSeconds: number } };
    expect(err.code).toBe("rate_limited");
    expect(err.details.retryAfterSeconds).toBeGreaterThan(0);
    expect(await strikeCount(c.ip)).toBe(0);
    release();
    await Promise.all(holders);
    expect([gate.running, gate.queued]).toEqual([0, 0]);
    // Free again: the same upload goes through.
    expect((await upload(c, await halves(8, 8))).mime).toBe("image/png");
  });
});

describe("readAttachment", () => {
  it("serves the thumbnail as WebP, and the full image for uploads from before thumbnails", async () => {
    const a = await upload(ctx(), await halves(600, 400));
    const c = visitorCtxFor(h.db, chat.visitor);
    const full = await readAttachment({ ctx: c, id: a.id });
    const thumb = await readAttachment({ ctx: c, id: a.id, size: "thumb" });
    expect(full.mime).toBe("image/png");
    expect(thumb.mime).toBe("image/webp");
    expect(await sharp(thumb.data).metadata()).toMatchObject({ format: "webp", width: 480, height: 320 });

    // An old row: the upload's own file and no thumbnail.
    const legacyName = "legacy-0000.png";
    await fs.writeFile(path.join(uploadsDir(), legacyName), await halves(20, 10));
    const [old] = await h.db
      .insert(attachments)
      .values({ conversationId: chat.conversation.id, storageName: legacyName, mime: "image/png", size: 1, width: 20, height: 10, uploaderKind: "visitor" })
      .returning();
    const fallback = await readAttachment({ ctx: c, id: old.id, size: "thumb" });
    expect(fallback.mime).toBe("image/png");
    expect(fallback.data.equals(await fs.readFile(path.join(uploadsDir(), legacyName)))).toBe(true);

    // Someone else's visitor gets the same answer as for a missing attachment.
    const stranger = await createConversation(h.db, { projectId: chat.projectId });
    for (const size of ["full", "thumb"] as const) {
      await expect(readAttachment({ ctx: visitorCtxFor(h.db, stranger.visitor), id: a.id, size })).rejects.toMatchObject({ code: "not_found" });
    }
  });
});

describe("createGate", () => {
  it("runs at most `concurrency` at once, queues FIFO up to `maxQueue`, refuses beyond", async () => {
    const gate = createGate({ concurrency: 2, maxQueue: 2, retryAfterSeconds: 3 });
    const started: number[] = [];
    const releases = new Map<number, () => void>();
    const job = (n: number) =>
      gate.run(
        () =>
          new Promise<number>((resolve) => {
            started.push(n);
            releases.set(n, () => resolve(n));
          }),
      );
    const p = [job(1), job(2), job(3), job(4)];
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    expect([gate.running, gate.queued]).toEqual([2, 2]);
    await expect(job(5)).rejects.toMatchObject({ code: "rate_limited", details: { retryAfterSeconds: 3 } });

    releases.get(2)!();
    await p[1];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2, 3]); // the oldest waiter took the freed slot
    expect([gate.running, gate.queued]).toEqual([2, 1]);
    // A failing job frees its slot too.
    const failing = gate.run(() => Promise.reject(new Error("boom")));
    releases.get(1)!();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2, 3, 4]);
    releases.get(3)!();
    await expect(failing).rejects.toThrow("boom");
    releases.get(4)!();
    expect(await Promise.all(p)).toEqual([1, 2, 3, 4]);
    expect([gate.running, gate.queued]).toEqual([0, 0]);
  });
});

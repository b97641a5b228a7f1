import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { attachments } from "../../db/schema";
import type { Ctx } from "../ctx";
import { can } from "../auth/permissions";
import { getEnv } from "../env";
import { AppError } from "../errors";
import { recordStrike } from "../security/strikes";
import type { AttachmentDTO } from "../wire";
import { getConversationOrThrow } from "./access";
import { toAttachmentDTO } from "./dto";
import { imageGate, MAX_INPUT_PIXELS, reencodeImage } from "./image-processing";
import { sniffImage } from "./image-sniff";

/** 5 MB: plenty for a phone photo, small enough to keep history fast. */
import { MAX_ATTACHMENT_BYTES } from "../constants";
import { DbId } from "../validation";
export { MAX_ATTACHMENT_BYTES };

export function uploadsDir() {
  return path.join(getEnv().dataDir, "uploads");
}

const UploadInput = z.object({ conversationId: DbId });

async function refuse(ctx: Ctx, code: "unsupported_media_type" | "payload_too_large" | "bad_request", message: string): Promise<never> {
  // Bad uploads count toward the upload strike rule (8 in 10 min → 2 h block).
  if (ctx.ip) await recordStrike(ctx.db, ctx.ip, "upload", ctx.now);
  throw new AppError(code, message);
}

/**
 * Store an image for a conversation the actor may write in. The type comes
 * from magic bytes; the pixels are decoded (within a pixel budget) and
 * re-encoded, so the stored file carries no metadata and nothing the upload
 * had around its pixels; a WebP thumbnail is stored next to it. Files get
 * server-generated names.
 */
export async function uploadAttachment({ ctx, input, file }: { ctx: Ctx; input: unknown; file: File | null }): Promise<AttachmentDTO> {
  const { conversationId } = UploadInput.parse(input);
  await getConversationOrThrow(ctx, conversationId, "write");
  if (!file || typeof file === "string") return refuse(ctx, "bad_request", "Attach an image file.");
  if (file.size > MAX_ATTACHMENT_BYTES) return refuse(ctx, "payload_too_large", "Images must be 5 MB or smaller.");
  const buf = new Uint8Array(await file.arrayBuffer());
  if (buf.byteLength === 0) return refuse(ctx, "bad_request", "The file is empty.");
  const img = sniffImage(buf);
  if (!img) return refuse(ctx, "unsupported_media_type", "Only JPEG, PNG, WebP and GIF images are allowed.");

  // No database connection is held while the image is processed.
  const processed = await imageGate().run(() => reencodeImage(buf, img.format));
  if ("refused" in processed) {
    if (processed.refused === "too_many_pixels") {
      return refuse(ctx, "payload_too_large", `Images may have at most ${MAX_INPUT_PIXELS / 1_000_000} megapixels (all frames together), and animations at most 200 frames.`);
    }
    return refuse(ctx, "bad_request", `That file isn't a complete, valid ${img.format.toUpperCase()} image.`);
  }

  const base = randomUUID();
  const storageName = `${base}.${img.ext}`;
  const thumbStorageName = `${base}.thumb.webp`;
  await fs.mkdir(uploadsDir(), { recursive: true });
  const written: string[] = [];
  try {
    for (const [name, data] of [
      [storageName, processed.full.data],
      [thumbStorageName, processed.thumb.data],
    ] as const) {
      await fs.writeFile(path.join(uploadsDir(), name), data, { flag: "wx" });
      written.push(name);
    }
    const [row] = await ctx.db
      .insert(attachments)
      .values({
        conversationId,
        storageName,
        mime: img.mime,
        size: processed.full.data.byteLength,
        width: processed.full.width,
        height: processed.full.height,
        thumbStorageName,
        thumbWidth: processed.thumb.width,
        thumbHeight: processed.thumb.height,
        uploaderKind: ctx.actor.type === "visitor" ? "visitor" : ctx.actor.type === "staff" ? (can(ctx.actor, "chat.reply_any") ? "admin" : "agent") : "system",
        uploaderId: ctx.actor.type === "staff" ? ctx.actor.userId : null,
        createdAt: ctx.now,
      })
      .returning();
    return toAttachmentDTO(row);
  } catch (err) {
    // No row, no files: an upload that didn't commit leaves nothing behind.
    await Promise.all(written.map((name) => fs.rm(path.join(uploadsDir(), name), { force: true })));
    throw err;
  }
}

export const AttachmentSize = z.enum(["full", "thumb"]);
export type AttachmentSize = z.infer<typeof AttachmentSize>;

/**
 * The bytes of an attachment the actor may read: the full image, or its
 * thumbnail (uploads from before thumbnails answer with the full image).
 */
export async function readAttachment({ ctx, id, size = "full" }: { ctx: Ctx; id: number; size?: AttachmentSize }) {
  const [a] = await ctx.db.select().from(attachments).where(eq(attachments.id, id)).limit(1);
  if (!a) throw new AppError("not_found", "Attachment not found.");
  await getConversationOrThrow(ctx, a.conversationId, "read");
  const thumb = size === "thumb" && a.thumbStorageName != null;
  const name = thumb ? a.thumbStorageName! : a.storageName;
  const data = await fs.readFile(path.join(uploadsDir(), path.basename(name))).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") throw new AppError("not_found", "Attachment not found.");
    throw err;
  });
  return { data, mime: thumb ? "image/webp" : a.mime };
}

export async function findAttachmentConversation(ctx: Pick<Ctx, "db">, id: number): Promise<number | null> {
  const [a] = await ctx.db.select({ c: attachments.conversationId }).from(attachments).where(eq(attachments.id, id)).limit(1);
  return a?.c ?? null;
}

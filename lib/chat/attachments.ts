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
import { getConversationOrThrow } from "./access";
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
 * from magic bytes; the file gets a server-generated name.
 */
export async function uploadAttachment({ ctx, input, file }: { ctx: Ctx; input: unknown; file: File | null }) {
  const { conversationId } = UploadInput.parse(input);
  await getConversationOrThrow(ctx, conversationId, "write");
  if (!file || typeof file === "string") return refuse(ctx, "bad_request", "Attach an image file.");
  if (file.size > MAX_ATTACHMENT_BYTES) return refuse(ctx, "payload_too_large", "Images must be 5 MB or smaller.");
  const buf = new Uint8Array(await file.arrayBuffer());
  if (buf.byteLength === 0) return refuse(ctx, "bad_request", "The file is empty.");
  const img = sniffImage(buf);
  if (!img) return refuse(ctx, "unsupported_media_type", "Only JPEG, PNG, WebP and GIF images are allowed.");

  const storageName = `${randomUUID()}.${img.ext}`;
  await fs.mkdir(uploadsDir(), { recursive: true });
  await fs.writeFile(path.join(uploadsDir(), storageName), buf, { flag: "wx" });
  const [row] = await ctx.db
    .insert(attachments)
    .values({
      conversationId,
      storageName,
      mime: img.mime,
      size: buf.byteLength,
      width: img.width,
      height: img.height,
      uploaderKind: ctx.actor.type === "visitor" ? "visitor" : ctx.actor.type === "staff" ? (can(ctx.actor, "chat.reply_any") ? "admin" : "agent") : "system",
      uploaderId: ctx.actor.type === "staff" ? ctx.actor.userId : null,
      createdAt: ctx.now,
    })
    .returning();
  return { id: row.id, mime: row.mime, width: row.width, height: row.height, url: `/api/chat/attachments/${row.id}` };
}

/** The bytes of an attachment the actor may read. */
export async function readAttachment({ ctx, id }: { ctx: Ctx; id: number }) {
  const [a] = await ctx.db.select().from(attachments).where(eq(attachments.id, id)).limit(1);
  if (!a) throw new AppError("not_found", "Attachment not found.");
  await getConversationOrThrow(ctx, a.conversationId, "read");
  const data = await fs.readFile(path.join(uploadsDir(), path.basename(a.storageName)));
  return { data, mime: a.mime };
}

export async function findAttachmentConversation(ctx: Pick<Ctx, "db">, id: number): Promise<number | null> {
  const [a] = await ctx.db.select({ c: attachments.conversationId }).from(attachments).where(eq(attachments.id, id)).limit(1);
  return a?.c ?? null;
}

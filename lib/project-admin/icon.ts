import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { eq, like } from "drizzle-orm";
import { z } from "zod";
import { projects } from "../../db/schema";
import { assertCan } from "../auth/permissions";
import { audit } from "../audit";
import { imageGate, MAX_INPUT_PIXELS, reencodeImage } from "../chat/image-processing";
import { sniffImage } from "../chat/image-sniff";
import { withTransaction, type Ctx, type StaffCtx } from "../ctx";
import { getEnv } from "../env";
import { AppError } from "../errors";
import { DbId } from "../validation";
import { noEffects, type VerbResult } from "../verb";
import { getProjectRowOrThrow, toProjectDTO, type ProjectDTO } from "./get-project";
import { forgetAllowedOriginCaches } from "../projects/origins";

/** 2 MB: a logo needs far less; the same magic-byte gate and re-encoding as chat images apply. */
export const MAX_ICON_BYTES = 2 * 1024 * 1024;

/**
 * Stored icons are content-addressed (`<sha256>.webp` under DATA_DIR), so a
 * clone shares its source's file and a URL's bytes never change. The
 * project's `iconUrl` is our own route, with the hash as a cache-buster:
 * `/api/projects/{id}/icon?v={hash}`.
 */
export function iconsDir() {
  return path.join(getEnv().dataDir, "project-icons");
}

const HASH = /^[a-f0-9]{64}$/;

export function iconUrlFor(projectId: number, hash: string): string {
  return `/api/projects/${projectId}/icon?v=${hash}`;
}

/** The stored icon's hash when `iconUrl` points at one of ours, else null (no icon, or an external URL). */
export function storedIconHash(iconUrl: string | null | undefined): string | null {
  const m = /^\/api\/projects\/\d+\/icon\?v=([a-f0-9]{64})$/.exec(iconUrl ?? "");
  return m ? m[1] : null;
}

/** A stored icon that no project refers to any more is removed (after the change that dropped it committed). */
export async function removeIconIfUnused(ctx: Pick<Ctx, "db">, hash: string | null): Promise<void> {
  if (!hash || !HASH.test(hash)) return;
  const [still] = await ctx.db.select({ id: projects.id }).from(projects).where(like(projects.iconUrl, `%?v=${hash}`)).limit(1);
  if (!still) await fs.rm(path.join(iconsDir(), `${hash}.webp`), { force: true });
}

const IconInput = z.object({ projectId: DbId }).strict();

/**
 * Set a project's icon from an upload (`projects.edit`). The type comes from
 * magic bytes (JPEG, PNG, WebP, GIF — never SVG); the pixels are decoded
 * within the chat images' budget and re-encoded to a WebP of at most 480 px a
 * side, so nothing but pixels is stored. A refused file writes nothing.
 * Audited `project.update` with the field `iconUrl`.
 */
export async function uploadProjectIcon({ ctx, input, file }: { ctx: StaffCtx; input: unknown; file: File | null }): Promise<VerbResult<ProjectDTO>> {
  assertCan(ctx.actor, "projects.edit");
  const { projectId } = IconInput.parse(input);
  await getProjectRowOrThrow(ctx, projectId);
  if (!file || typeof file === "string") throw new AppError("bad_request", "Choose an image file.", { details: { fields: { icon: "Choose an image file." } } });
  const refuse = (code: "bad_request" | "payload_too_large" | "unsupported_media_type", message: string): never => {
    throw new AppError(code, message, { details: { fields: { icon: message } } });
  };
  if (file.size > MAX_ICON_BYTES) refuse("payload_too_large", "Icons must be 2 MB or smaller.");
  const buf = new Uint8Array(await file.arrayBuffer());
  if (buf.byteLength === 0) refuse("bad_request", "The file is empty.");
  const img = sniffImage(buf);
  if (!img) refuse("unsupported_media_type", "Use a JPEG, PNG, WebP or GIF image.");
  // No database connection is held while the image is processed.
  const processed = await imageGate().run(() => reencodeImage(buf, img!.format));
  if ("refused" in processed) {
    if (processed.refused === "too_many_pixels") refuse("payload_too_large", `Icons may have at most ${MAX_INPUT_PIXELS / 1_000_000} megapixels.`);
    refuse("bad_request", `That file isn't a complete, valid ${img!.format.toUpperCase()} image.`);
  }
  const data = (processed as Exclude<typeof processed, { refused: unknown }>).thumb.data;
  const hash = createHash("sha256").update(data).digest("hex");
  const file_ = path.join(iconsDir(), `${hash}.webp`);
  await fs.mkdir(iconsDir(), { recursive: true });
  const existed = await fs.stat(file_).then(
    () => true,
    () => false,
  );
  if (!existed) await fs.writeFile(file_, data);
  let previous: string | null = null;
  try {
    const dto = await withTransaction(ctx, async (tx) => {
      const before = await getProjectRowOrThrow(tx, projectId, { forUpdate: true });
      previous = before.iconUrl;
      const iconUrl = iconUrlFor(projectId, hash);
      const [row] = await tx.db.update(projects).set({ iconUrl, updatedAt: ctx.now }).where(eq(projects.id, projectId)).returning();
      await audit(tx, "project.update", { type: "project", id: projectId }, { iconUrl: { from: before.iconUrl, to: iconUrl } });
      return toProjectDTO(row);
    });
    forgetAllowedOriginCaches();
    if (storedIconHash(previous) !== hash) await removeIconIfUnused(ctx, storedIconHash(previous)).catch(() => undefined);
    return { result: dto, effects: noEffects() };
  } catch (err) {
    // The row didn't change: a file written for it alone goes again.
    if (!existed) await removeIconIfUnused(ctx, hash).catch(() => undefined);
    throw err;
  }
}

/** Remove a project's icon (the visitor page falls back to the app's). Audited `project.update`. */
export async function removeProjectIcon({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<ProjectDTO>> {
  assertCan(ctx.actor, "projects.edit");
  const { projectId } = IconInput.parse(input);
  let previous: string | null = null;
  const dto = await withTransaction(ctx, async (tx) => {
    const before = await getProjectRowOrThrow(tx, projectId, { forUpdate: true });
    previous = before.iconUrl;
    if (before.iconUrl === null) return toProjectDTO(before);
    const [row] = await tx.db.update(projects).set({ iconUrl: null, updatedAt: ctx.now }).where(eq(projects.id, projectId)).returning();
    await audit(tx, "project.update", { type: "project", id: projectId }, { iconUrl: { from: before.iconUrl, to: null } });
    return toProjectDTO(row);
  });
  forgetAllowedOriginCaches();
  await removeIconIfUnused(ctx, storedIconHash(previous)).catch(() => undefined);
  return { result: dto, effects: noEffects() };
}

/**
 * The bytes of a project's current icon, for the public icon route (visitor
 * pages show it to anyone). `hash` says which version that is, so the route
 * can let caches keep a versioned URL for good.
 */
export async function readProjectIcon(ctx: Pick<Ctx, "db">, projectId: number): Promise<{ data: Buffer; hash: string }> {
  const [p] = await ctx.db.select({ iconUrl: projects.iconUrl }).from(projects).where(eq(projects.id, projectId)).limit(1);
  const hash = storedIconHash(p?.iconUrl);
  if (!hash) throw new AppError("not_found", "Icon not found.");
  const data = await fs.readFile(path.join(iconsDir(), `${hash}.webp`)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") throw new AppError("not_found", "Icon not found.");
    throw err;
  });
  return { data, hash };
}

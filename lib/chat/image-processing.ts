import sharp, { type Metadata, type OutputInfo, type Sharp } from "sharp";
import { AppError } from "../errors";
import { logger } from "../logger";
import { singleton } from "../singleton";
import type { ImageFormat } from "./image-sniff";

/**
 * Uploaded images are decoded and re-encoded here, never stored as sent:
 * re-encoding drops everything that isn't pixels (EXIF with GPS, XMP, ICC
 * profiles, comments, bytes appended after the image — the other half of a
 * polyglot file), and a pixel budget refuses decompression bombs before they
 * are decoded.
 *
 * Output keeps the input's type, so what a visitor sends is what the viewer
 * gets: JPEG → JPEG (mozjpeg, quality 82), PNG → PNG (lossless; palette PNGs
 * stay palette PNGs), WebP → WebP (quality 82), GIF → GIF. Animated GIF and
 * WebP stay animated, within the same budget counted over all frames.
 */

/**
 * 40 megapixels, counted over every frame. Under the 5 MB upload cap real
 * photos are ≤ 24 Mpx and an 8K screenshot is 33 Mpx, so nothing genuine is
 * refused, while one decode stays ≤ 160 MB (RGBA) and, with two at a time,
 * the worst case is bounded at ~320 MB. A 14,000 × 14,000 PNG (196 Mpx in
 * a few hundred KB) is refused from its header, without decoding a pixel.
 */
export const MAX_INPUT_PIXELS = 40_000_000;
/** A 10 s clip at 20 fps. Per-frame cost is real even for tiny frames (100,000 1×1 frames fit the pixel budget). */
export const MAX_FRAMES = 200;
/** The stored "full" image: no viewer ever decodes more than 2560 px a side (≈ 26 MB RGBA at 2560 × 2560). */
export const FULL_MAX_SIDE = 2560;
/** Thumbnails fit 480 × 480: the thread shows images at most 240 × 240 CSS px (max-h-60 max-w-60), sharp on 2× screens. */
export const THUMB_BOX = 480;
/** Worst accepted case measured here: a 200-frame 400 × 400 GIF takes ~2 s per pass. */
const TIMEOUT_SECONDS = 20;

const JPEG_QUALITY = 82;
const WEBP_QUALITY = 82;
const THUMB_QUALITY = 75;

export type EncodedImage = { data: Buffer; width: number; height: number };
export type ProcessedImage = { full: EncodedImage; thumb: EncodedImage; frames: number };
export type ImageRefusal = { refused: "too_many_pixels" | "unreadable"; pixels?: number; frames?: number };

const fitInside = (side: number) => ({ width: side, height: side, fit: "inside" as const, withoutEnlargement: true });

function encodeAs(img: Sharp, format: ImageFormat, palette: boolean): Sharp {
  switch (format) {
    case "jpeg":
      return img.jpeg({ quality: JPEG_QUALITY, mozjpeg: true });
    case "png":
      return img.png({ compressionLevel: 9, palette });
    case "webp":
      return img.webp({ quality: WEBP_QUALITY });
    case "gif":
      return img.gif();
  }
}

/** Width and height of one frame (an animation's output is a strip of frames). */
function dims(info: OutputInfo): { width: number; height: number } {
  return { width: info.width, height: info.pageHeight ?? info.height };
}

function configure() {
  // Every upload is a different image: libvips' operation cache would only hold memory.
  return singleton("sharp.configured", () => {
    sharp.cache(false);
    return true;
  });
}

/**
 * Decode `buf` (whose magic bytes said `format`), and return it re-encoded in
 * the same format, bounded to FULL_MAX_SIDE, EXIF orientation applied and all
 * metadata stripped (colour converted to sRGB), plus a WebP thumbnail that
 * fits THUMB_BOX. A refusal says why: over the pixel/frame budget, or not a
 * valid, complete image of that format. Runs in libuv's threadpool; callers
 * go through `imageGate()` so a burst queues instead of taking every thread.
 */
export async function reencodeImage(buf: Uint8Array, format: ImageFormat): Promise<ProcessedImage | ImageRefusal> {
  configure();
  let meta: Metadata;
  try {
    // Header only: dimensions and frame count, before any pixel is decoded.
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch {
    return { refused: "unreadable" };
  }
  if (meta.format !== format || !meta.width || !meta.height) return { refused: "unreadable" };
  const animatable = format === "gif" || format === "webp";
  const frames = animatable ? Math.max(1, meta.pages ?? 1) : 1;
  const pixels = meta.width * meta.height * frames;
  if (frames > MAX_FRAMES || pixels > MAX_INPUT_PIXELS) return { refused: "too_many_pixels", pixels, frames };

  const animated = frames > 1;
  // failOn "error": truncated or corrupt pixel data is refused; libjpeg's benign warnings (common in camera files) are not.
  const input = { failOn: "error", limitInputPixels: MAX_INPUT_PIXELS, animated, autoOrient: !animated } as const;
  try {
    const full = await encodeAs(sharp(buf, input).timeout({ seconds: TIMEOUT_SECONDS }).resize(fitInside(FULL_MAX_SIDE)), format, !!meta.isPalette).toBuffer({
      resolveWithObject: true,
    });
    // From the bounded, oriented, stripped full image: cheaper to decode, and nothing of the upload's bytes carries over.
    const thumb = await sharp(full.data, input)
      .timeout({ seconds: TIMEOUT_SECONDS })
      .resize(fitInside(THUMB_BOX))
      .webp({ quality: THUMB_QUALITY })
      .toBuffer({ resolveWithObject: true });
    return { full: { data: full.data, ...dims(full.info) }, thumb: { data: thumb.data, ...dims(thumb.info) }, frames };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger.debug({ err: message, format }, "image refused by the decoder");
    // The header can understate the work (a timeout): treat as too big, like the budget.
    if (/pixel limit|timeout/i.test(message)) return { refused: "too_many_pixels", pixels, frames };
    return { refused: "unreadable" };
  }
}

export type Gate = {
  /** Run `fn` when a slot is free; with the queue full, refuse at once (429, Retry-After). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  readonly running: number;
  readonly queued: number;
};

/**
 * At most `concurrency` jobs at once, at most `maxQueue` waiting (first come,
 * first served); beyond that a `rate_limited` error instead of unbounded
 * memory (each waiter holds its upload, ≤ 5 MB).
 */
export function createGate(opts: { concurrency: number; maxQueue: number; retryAfterSeconds: number }): Gate {
  let running = 0;
  const waiting: Array<() => void> = [];
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (running < opts.concurrency) running++;
      else if (waiting.length < opts.maxQueue) await new Promise<void>((resolve) => waiting.push(resolve));
      else {
        throw new AppError("rate_limited", "The server is busy processing images. Please try again in a moment.", {
          details: { retryAfterSeconds: opts.retryAfterSeconds },
        });
      }
      try {
        return await fn();
      } finally {
        // Hand the slot straight to the next waiter, so `running` never dips and lets a newcomer jump the queue.
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
    get running() {
      return running;
    },
    get queued() {
      return waiting.length;
    },
  };
}

/**
 * The process's one image gate: two decodes at a time. libuv has 4 threadpool
 * threads by default and fs/dns share them; two for images leaves the rest
 * free, so a burst of uploads queues rather than stalling file reads. Eight
 * waiting (~40 MB of uploads held) is about 8–15 s of work at worst; more → 429.
 */
export function imageGate(): Gate {
  return singleton("chat.image-gate", () => createGate({ concurrency: 2, maxQueue: 8, retryAfterSeconds: 5 }));
}

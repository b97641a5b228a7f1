import sharp from "sharp";
import { expect, test } from "./helpers";
import { adminPage, messageItem, messageList, newVisitor, openChatAsAdmin, sendText, startChat, visitorContext } from "./chat-helpers";

/**
 * Images as the thread shows them: the visitor's photo is stored re-encoded
 * (no EXIF, at most 2560 px), the thread loads the small WebP thumbnail with
 * its dimensions reserved, and the viewer opens the full image.
 */

test("the thread shows the thumbnail, the viewer the full image, and neither carries the photo's metadata", async ({ browser }, testInfo) => {
  const v = newVisitor("Tomas");
  const vp = await (await visitorContext(browser)).newPage();
  await startChat(vp, v);
  await sendText(vp, "Here's the broken part");
  const ap = await adminPage(browser);
  await openChatAsAdmin(ap, v.name);
  await expect(messageItem(ap, "Here's the broken part")).toBeVisible();

  // A 1600 × 1200 photo with a camera make and GPS position in its EXIF.
  const photo = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: "#d97706" } })
    .composite([{ input: await sharp({ create: { width: 800, height: 600, channels: 3, background: "#1e3a8a" } }).png().toBuffer(), left: 400, top: 300 }])
    .jpeg({ quality: 90 })
    .withExif({ IFD0: { Make: "SecretPhoneMaker" }, IFD3: { GPSLatitudeRef: "N", GPSLatitude: "51/1 30/1 0/1" } })
    .toBuffer();
  await vp.getByLabel("Attach image").setInputFiles({ name: "part.jpg", mimeType: "image/jpeg", buffer: photo });
  await expect(vp.getByRole("img", { name: "Image to send" })).toBeVisible();
  const thumbFetch = ap.waitForResponse((r) => /\/api\/chat\/attachments\/\d+$/.test(new URL(r.url()).pathname) && new URL(r.url()).searchParams.get("size") === "thumb");
  await vp.getByRole("button", { name: "Send" }).click();

  const img = messageList(ap).getByRole("img", { name: "Image attachment" });
  await expect(img).toBeVisible();
  // The thumbnail, with its own dimensions as attributes (no layout shift), decoded at 480 px, not 1600.
  await expect(img).toHaveAttribute("src", /\/api\/chat\/attachments\/\d+\?size=thumb$/);
  await expect(img).toHaveAttribute("width", "480");
  await expect(img).toHaveAttribute("height", "360");
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0))).toBe(480);
  const thumb = await thumbFetch;
  expect(thumb.status()).toBe(200);
  expect(thumb.headers()["content-type"]).toBe("image/webp");
  expect(thumb.headers()["content-security-policy"]).toBe("default-src 'none'; sandbox");
  // Shown at most 240 CSS px wide in the bubble.
  const box = (await img.boundingBox())!;
  expect(box.width).toBeLessThanOrEqual(240);
  expect(Math.round(box.height)).toBe(Math.round((box.width * 360) / 480));
  await ap.screenshot({ path: testInfo.outputPath("thread-thumbnail.png") });

  // The viewer: the full image, stored re-encoded without its EXIF.
  await ap.getByRole("button", { name: "Open full-size image" }).click();
  const full = ap.getByRole("dialog", { name: "Image" }).getByRole("img", { name: "Full-size image" });
  await expect(full).toHaveAttribute("src", /\/api\/chat\/attachments\/\d+$/);
  await expect.poll(() => full.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0))).toBe(1600);
  await ap.screenshot({ path: testInfo.outputPath("viewer.png") });
  const stored = await ap.request.get((await full.getAttribute("src"))!);
  expect(stored.headers()["content-type"]).toBe("image/jpeg");
  const bytes = Buffer.from(await stored.body());
  expect(bytes.includes("SecretPhoneMaker")).toBe(false);
  expect((await sharp(bytes).metadata()).exif).toBeUndefined();
  await ap.getByRole("button", { name: "Close image" }).click();

  // The visitor's own thread shows the same thumbnail.
  await expect(messageList(vp).getByRole("img", { name: "Image attachment" })).toHaveAttribute("src", /\?size=thumb$/);
  await vp.context().close();
  await ap.context().close();
});

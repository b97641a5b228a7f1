import { describe, expect, it } from "vitest";
import { sniffImage } from "../image-sniff";

// 1×1 images, hand-made headers.
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000002000000030806000000" + "9a" + "00".repeat(16),
  "hex",
);
const GIF = Buffer.concat([Buffer.from("GIF89a"), Buffer.from([5, 0, 7, 0]), Buffer.alloc(10)]);
const JPEG = Buffer.from("ffd8ffe000104a46494600010100000100010000" + "ffc0001108000a0014030122000211010311" + "01", "hex");

describe("sniffImage", () => {
  it("identifies PNG, GIF, JPEG and WebP by magic bytes, with dimensions", () => {
    expect(sniffImage(PNG)).toMatchObject({ mime: "image/png", width: 2, height: 3 });
    expect(sniffImage(GIF)).toMatchObject({ mime: "image/gif", width: 5, height: 7 });
    expect(sniffImage(JPEG)).toMatchObject({ mime: "image/jpeg", width: 20, height: 10 });
    const webp = Buffer.alloc(30);
    webp.write("RIFF", 0, "latin1");
    webp.write("WEBP", 8, "latin1");
    webp.write("VP8X", 12, "latin1");
    webp.writeUIntLE(99, 24, 3);
    webp.writeUIntLE(49, 27, 3);
    expect(sniffImage(webp)).toMatchObject({ mime: "image/webp", width: 100, height: 50 });
  });

  it("refuses SVG, HTML disguised as an image, and empty input", () => {
    expect(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'))).toBeNull();
    expect(sniffImage(Buffer.from("<html><script>alert(1)</script></html>"))).toBeNull();
    expect(sniffImage(Buffer.alloc(0))).toBeNull();
  });
});

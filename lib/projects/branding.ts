/**
 * Branding values as the visitor page renders them. Admin-entered values are
 * re-checked here because they end up in inline styles and `src` attributes.
 */
export const DEFAULT_ACCENT = "#2563eb";

/** `#rgb` / `#rrggbb` only; anything else falls back to the default accent. */
export function safeAccent(color: string | null | undefined): string {
  const c = (color ?? "").trim();
  return /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(c) ? c.toLowerCase() : DEFAULT_ACCENT;
}

/** WCAG 2 relative luminance of a `#rgb` / `#rrggbb` colour (an invalid one counts as the default accent). */
export function relativeLuminance(color: string): number {
  let hex = safeAccent(color).slice(1);
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join("");
  const [r, g, b] = [0, 2, 4].map((i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Black or white text, whichever reads better on the accent (WCAG relative luminance). */
export function accentForeground(color: string): "#ffffff" | "#000000" {
  const lum = relativeLuminance(color);
  // White or black, whichever contrasts more: one of the two always reaches 4.58:1 (WCAG AA),
  // where a softer near-black (#111827) left ~7% of accents, e.g. #d9480f, below 4.5:1.
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.05 ? "#ffffff" : "#000000";
}

const DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp|svg\+xml|x-icon|vnd\.microsoft\.icon);base64,[A-Za-z0-9+/=]+$/;

/**
 * An icon URL safe to put in `src`/`href`: http(s), a same-site path (not
 * `//host`), or a base64 image data URL (an uploaded icon stored inline).
 */
export function safeIconUrl(url: string | null | undefined): string | null {
  const u = (url ?? "").trim();
  if (!u) return null;
  if (u.startsWith("data:")) return u.length <= 512 * 1024 && DATA_IMAGE.test(u) ? u : null;
  if (u.length > 2048) return null;
  if (u.startsWith("/") && !u.startsWith("//") && !u.startsWith("/\\")) return u;
  try {
    const parsed = new URL(u);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

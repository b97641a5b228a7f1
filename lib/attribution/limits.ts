/** Column caps for attribution values: anything longer is cut, never rejected. */
export const MAX = {
  url: 2048,
  utm: 200,
  clickId: 500,
  host: 253,
  short: 64,
  geo: 100,
  userAgent: 1024,
} as const;

const CONTROL = /[\u0000-\u001f\u007f]/g;

/** Trim, drop control characters, cut to `max`; empty → null. */
export function clean(value: unknown, max: number): string | null {
  if (typeof value !== "string") return null;
  const v = value.replace(CONTROL, "").trim().slice(0, max).trim();
  return v === "" ? null : v;
}

import { randomBytes } from "node:crypto";

const STAFF_PREFIXES = ["/login", "/admin", "/manager", "/agent", "/qa"];
/** API routes that serve visitors and embeds; every other /api route is staff API. */
const PUBLIC_API_PREFIXES = ["/api/visitor", "/api/public", "/api/widget", "/api/leads/web"];

export type PathClass = "staff" | "visitor" | "other";

function matchesPrefix(pathname: string, prefix: string) {
  return pathname === prefix || pathname.startsWith(prefix + "/");
}

export function classifyPath(pathname: string): PathClass {
  if (STAFF_PREFIXES.some((p) => matchesPrefix(pathname, p))) return "staff";
  if (pathname.startsWith("/api/")) {
    return PUBLIC_API_PREFIXES.some((p) => matchesPrefix(pathname, p)) ? "visitor" : "staff";
  }
  if (matchesPrefix(pathname, "/p")) return "visitor";
  return "other";
}

export const STAFF_PERMISSIONS_POLICY =
  "camera=(), microphone=(), geolocation=(), payment=(), usb=(), accelerometer=(), magnetometer=()";

export function staffCsp(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    // Next's inline bootstrap scripts carry the nonce; strict-dynamic lets them load chunks.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");
}

export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * Response headers for a path. Staff surfaces are never framable and run a
 * strict CSP; visitor pages (/p/*) stay framable because the widget iframes them.
 */
export function securityHeaders(pathname: string, opts: { nonce: string; dev: boolean }): Record<string, string> {
  const h: Record<string, string> = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
  };
  if (classifyPath(pathname) === "staff") {
    h["X-Frame-Options"] = "DENY";
    h["Content-Security-Policy"] = staffCsp(opts.nonce, opts.dev);
    h["Permissions-Policy"] = STAFF_PERMISSIONS_POLICY;
  }
  return h;
}

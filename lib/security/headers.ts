import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { logger } from "../logger";
import { canonicalOrigin, type VisitorPageSources } from "../projects/origins";

const STAFF_PREFIXES = ["/login", "/admin", "/manager", "/agent", "/qa", "/account"];
/** API routes that serve visitors and embeds; every other /api route is staff API. */
const PUBLIC_API_PREFIXES = ["/api/visitor", "/api/public", "/api/widget", "/api/web-leads"];

export type PathClass = "staff" | "visitor" | "other";

function matchesPrefix(pathname: string, prefix: string) {
  return pathname === prefix || pathname.startsWith(prefix + "/");
}

/**
 * Who a path is for. Headers follow it loosely: every page that isn't a
 * visitor page gets the staff policy (so a new staff area is strict before
 * anyone lists it here); the list is for code that treats staff paths apart.
 */
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

export const HSTS = "max-age=31536000; includeSubDomains";

/**
 * API responses are data, never documents: nothing in one may run, load or be
 * framed. A route that serves something a browser renders sets its own CSP
 * (attachments: `sandbox`), which wins (see `setDefaultHeaders`).
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

type PageCsp = {
  nonce: string;
  dev: boolean;
  /** Besides 'self': our own WebSocket origin(s) (`wsSources`). */
  connectSrc: readonly string[];
  /** Who may frame the page; empty = nobody ('none'). */
  frameAncestors: readonly string[];
  /** Besides 'self' data: blob:, e.g. a project icon's origin. */
  imgSrc?: readonly string[];
  /**
   * Trust what a nonce'd script loads (Next's chunk loader, a tag manager's
   * own scripts). Every page has it: the landing page stamps the nonce on its
   * module script too (components/visitor/landing/render.ts).
   */
  strictDynamic: boolean;
  /**
   * Marketing tags run on this page: the hosts they load from and talk to
   * (lib/marketing/tags.ts), for scripts, images, connections and frames.
   * Under 'strict-dynamic' script-src hosts only matter to CSP2 browsers; the
   * tags' own scripts get the nonce.
   */
  tagHosts?: readonly string[];
};

/** The CSP of an HTML page: scripts by nonce (and our own origin), no plugins, no <base>, connections to us only. */
export function pageCsp(p: PageCsp): string {
  const tags = p.tagHosts ?? [];
  return [
    "default-src 'self'",
    [`script-src 'self' 'nonce-${p.nonce}'${p.strictDynamic ? " 'strict-dynamic'" : ""}${p.dev ? " 'unsafe-eval'" : ""}`, ...tags].join(" "),
    "style-src 'self' 'unsafe-inline'",
    ["img-src 'self' data: blob:", ...(p.imgSrc ?? []), ...tags].join(" "),
    "font-src 'self' data:",
    ["connect-src 'self'", ...p.connectSrc, ...tags].join(" "),
    ...(tags.length ? [["frame-src 'self'", ...tags].join(" ")] : []),
    `frame-ancestors ${p.frameAncestors.length ? p.frameAncestors.join(" ") : "'none'"}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");
}

/** Staff consoles and error pages: never framed. */
export function staffCsp(nonce: string, dev: boolean, connectSrc: readonly string[] = [], tagHosts?: readonly string[]): string {
  return pageCsp({ nonce, dev, connectSrc, frameAncestors: [], strictDynamic: true, tagHosts });
}

/**
 * Our own WebSocket origin for `connect-src`: APP_URL's (https → wss), or,
 * without APP_URL, the request's own host over ws and wss (behind a TLS proxy
 * we see http while the browser uses https). A Host that isn't a canonical
 * host[:port] adds nothing ('self' still covers same-origin fetches).
 */
export function wsSources(appOrigin: string | undefined, host: string | undefined): string[] {
  if (appOrigin) return [appOrigin.replace(/^http/, "ws")];
  if (!host || !canonicalOrigin(`http://${host}`)) return [];
  return [`ws://${host}`, `wss://${host}`];
}

export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * The path as Next will route it: dot segments resolved, `%2e` included
 * (`/p/%2e%2e/admin` is /admin), so no spelling of a staff page can pass for
 * a framable visitor page.
 */
export function routedPathname(rawUrl: string | undefined): string {
  try {
    return new URL(rawUrl ?? "/", "http://localhost").pathname;
  } catch {
    return "/";
  }
}

/** The project slug of a visitor page (`/p/{slug}`, `/p/{slug}/chat`), or null for any other path. */
export function visitorSlug(pathname: string): string | null {
  const m = /^\/p\/([^/]+)(?:\/chat)?\/?$/.exec(pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

/**
 * Where marketing tags may run: the visitor pages (`/p/{slug}`,
 * `/p/{slug}/chat`) or the staff pages (consoles, sign-in, account). Never
 * an API route, error pages or anything else.
 */
export function tagSurface(pathname: string): "visitor" | "staff" | null {
  if (visitorSlug(pathname) !== null) return "visitor";
  if (pathname === "/api" || pathname.startsWith("/api/")) return null;
  return classifyPath(pathname) === "staff" ? "staff" : null;
}

/** Per surface, the hosts marketing tags need there, or null where they don't run (lib/marketing/tags.ts `tagPolicy`). */
export type TagHostsBySurface = { visitor: readonly string[] | null; staff: readonly string[] | null };

export type HeaderOptions = {
  dev: boolean;
  /** APP_URL's origin (lib/env.ts), if set: connect-src names it, and https turns HSTS on. */
  appOrigin: string | undefined;
  /** A project's visitor page sources by slug (lib/projects/origins.ts, cached); null for an unknown slug. */
  visitorSources: (slug: string) => Promise<VisitorPageSources | null>;
  /** Marketing tags' hosts by surface (cached); absent or failing: no tags, no extra hosts. */
  tagHosts?: () => Promise<TagHostsBySurface>;
};

export type RequestHeaders = {
  /** Set on the response unless the route sets its own (see setDefaultHeaders). */
  response: Record<string, string>;
  /** The CSP to hand Next on the request: it reads the nonce from it and stamps it on its scripts. Null for API routes. */
  nextCsp: string | null;
};

/**
 * Security headers for one request, by path:
 * - visitor pages (/p/{slug}, /p/{slug}/chat): framable by the project's
 *   allowed origins only (the widget iframes them), images also from the
 *   project icon's origin;
 * - staff pages, error pages and every other page: strict CSP with a nonce,
 *   never framed;
 * - where marketing tags run (`tagSurface`), their hosts on top;
 * - API routes: a CSP under which nothing runs;
 * - everywhere: nosniff, a referrer policy, HSTS when APP_URL is https.
 */
export async function securityHeadersFor(rawUrl: string | undefined, host: string | undefined, opts: HeaderOptions): Promise<RequestHeaders> {
  const pathname = routedPathname(rawUrl);
  const h: Record<string, string> = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": STAFF_PERMISSIONS_POLICY,
  };
  if (opts.appOrigin?.startsWith("https://")) h["Strict-Transport-Security"] = HSTS;
  const connectSrc = wsSources(opts.appOrigin, host);
  const nonce = newNonce();
  const slug = visitorSlug(pathname);
  let csp: string;
  let nextCsp: string | null;
  const surface = tagSurface(pathname);
  let tagHosts: readonly string[] | undefined;
  if (surface && opts.tagHosts) {
    try {
      tagHosts = (await opts.tagHosts())[surface] ?? undefined;
    } catch (err) {
      // tagPolicy itself serves no tags when it can't read them; anything else costs the page only the tags' hosts.
      logger.warn({ err }, "marketing tags unavailable; page served without their hosts");
    }
  }

  if (pathname === "/api" || pathname.startsWith("/api/")) {
    csp = API_CSP;
    nextCsp = null;
    h["X-Frame-Options"] = "DENY";
  } else if (slug !== null) {
    let sources: VisitorPageSources | null = null;
    try {
      sources = await opts.visitorSources(slug);
    } catch (err) {
      // The page can still be served from our own origin; embeds wait for the database.
      logger.warn({ err }, "visitor page sources unavailable; framing limited to our own origin");
    }
    csp = pageCsp({
      nonce,
      dev: opts.dev,
      connectSrc,
      frameAncestors: ["'self'", ...(sources?.frameAncestors ?? [])],
      imgSrc: sources?.imgSrc,
      strictDynamic: true,
      tagHosts,
    });
    nextCsp = csp;
  } else {
    // Staff pages, error pages and everything else: never framed.
    csp = staffCsp(nonce, opts.dev, connectSrc, tagHosts);
    nextCsp = csp;
    h["X-Frame-Options"] = "DENY";
  }
  h["Content-Security-Policy"] = csp;
  return { response: h, nextCsp };
}

/**
 * Put `defaults` on the response when its head goes out, each only if the
 * route didn't set that header itself. Setting them up front would not do:
 * Next copies a route handler's headers only when the name isn't set yet
 * (next/dist/server/send-response.js), so the attachment route's sandbox CSP
 * lost to ours. Every path to the wire (writeHead, and the implicit head of
 * write/end/flushHeaders) goes through `writeHead`.
 */
export function setDefaultHeaders(res: ServerResponse, defaults: Record<string, string>): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    for (const [k, v] of Object.entries(defaults)) if (!this.hasHeader(k)) this.setHeader(k, v);
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["writeHead"];
}

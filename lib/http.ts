import type { Db } from "../db/client";
import { getDb } from "../db/client";
import { staffActor, type StaffCtx } from "./ctx";
import { assertCan, type Permission } from "./auth/permissions";
import { findStaffBySession, readCookie, SESSION_COOKIE } from "./auth/session";
import { AppError, toHttpResponse } from "./errors";
import { clientIp } from "./security/client-ip";
import { isOwnOrigin, ownOrigins } from "./security/cors";

export { CLIENT_IP_HEADER, clientIp } from "./security/client-ip";

type RouteContext<P> = { params: Promise<P> };

/**
 * A state-changing staff request must come from our own pages. SameSite=Lax
 * stops other sites, not sibling subdomains (a customer's www next to our
 * chat host is same-site): browsers say where a request came from in
 * Sec-Fetch-Site and Origin, and anything but our own origin is refused.
 * With APP_URL set, "our own" is APP_URL's origin only (never the Host header).
 */
export function assertSameOrigin(req: Request): void {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return;
  const site = req.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") throw new AppError("forbidden", "Cross-site request refused.");
  const origin = req.headers.get("origin");
  if (origin !== null && !isOwnOrigin(origin, ownOrigins(req.headers))) throw new AppError("forbidden", "Cross-site request refused.");
}

/** Public route: error mapping and the request's ip/db/now, nothing else. */
export function withPublic<P = Record<string, string>>(
  handler: (a: { req: Request; params: P; db: Db; ip: string; now: Date }) => Promise<Response>,
) {
  return async (req: Request, rc: RouteContext<P>): Promise<Response> => {
    try {
      const db = await getDb();
      return await handler({ req, params: (await rc?.params) ?? ({} as P), db, ip: clientIp(req), now: new Date() });
    } catch (err) {
      return toHttpResponse(err);
    }
  };
}

/**
 * Staff route: authenticates from the session cookie (checked against the
 * database), authorizes through the one policy, then calls the handler.
 */
export function withStaff<P = Record<string, string>>(
  /** Required: the permission (or any one of several) the route needs; ownership is the verb's to check. */
  opts: { permission: Permission | readonly Permission[] },
  handler: (a: { req: Request; params: P; ctx: StaffCtx }) => Promise<Response>,
) {
  return async (req: Request, rc: RouteContext<P>): Promise<Response> => {
    try {
      assertSameOrigin(req);
      const db = await getDb();
      const user = await findStaffBySession(db, readCookie(req.headers.get("cookie"), SESSION_COOKIE));
      if (!user) throw new AppError("unauthenticated", "Please sign in.");
      const ctx: StaffCtx = { actor: staffActor(user), db, now: new Date(), ip: clientIp(req) };
      assertCan(ctx.actor, opts.permission);
      return await handler({ req, params: (await rc?.params) ?? ({} as P), ctx });
    } catch (err) {
      return toHttpResponse(err);
    }
  };
}

/** Read at most `maxBytes` of a body, whatever Content-Length claims (chunked bodies included). */
export async function readBodyCapped(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > maxBytes) throw new AppError("payload_too_large", "Request body is too large.");
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new AppError("payload_too_large", "Request body is too large.");
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/**
 * Parse a JSON body: malformed JSON is a 400, an oversized one a 413, and a
 * body that isn't `application/json` (a form a foreign page could post) a 415.
 */
export async function readJson(req: Request, maxBytes = 64 * 1024): Promise<unknown> {
  const bytes = await readBodyCapped(req, maxBytes);
  if (bytes.byteLength === 0) return {};
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") throw new AppError("unsupported_media_type", "Send JSON (Content-Type: application/json).");
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "Malformed JSON body.");
  }
}

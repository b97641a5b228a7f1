import type { Db } from "../db/client";
import { getDb } from "../db/client";
import { staffActor, type StaffCtx } from "./auth/ctx";
import { assertCan, type Permission } from "./auth/permissions";
import { findStaffBySession, readCookie, SESSION_COOKIE } from "./auth/session";
import { AppError, toHttpResponse } from "./errors";

/** server.ts resolves the client IP (trusted hops only) and passes it in this header, after stripping any incoming one. */
export const CLIENT_IP_HEADER = "x-occ-client-ip";

export function clientIp(req: Request): string {
  return req.headers.get(CLIENT_IP_HEADER) ?? "";
}

type RouteContext<P> = { params: Promise<P> };

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
  opts: { permission?: Permission },
  handler: (a: { req: Request; params: P; ctx: StaffCtx }) => Promise<Response>,
) {
  return async (req: Request, rc: RouteContext<P>): Promise<Response> => {
    try {
      const db = await getDb();
      const user = await findStaffBySession(db, readCookie(req.headers.get("cookie"), SESSION_COOKIE));
      if (!user) throw new AppError("unauthenticated", "Please sign in.");
      const ctx: StaffCtx = { actor: staffActor(user), db, now: new Date(), ip: clientIp(req) };
      if (opts.permission) assertCan(ctx.actor, opts.permission);
      return await handler({ req, params: (await rc?.params) ?? ({} as P), ctx });
    } catch (err) {
      return toHttpResponse(err);
    }
  };
}

/** Parse a JSON body; malformed JSON is a 400, not a 500. */
export async function readJson(req: Request, maxBytes = 64 * 1024): Promise<unknown> {
  const text = await req.text();
  if (text.length > maxBytes) throw new AppError("payload_too_large", "Request body is too large.");
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "Malformed JSON body.");
  }
}

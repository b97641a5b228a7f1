import type { Db } from "../../db/client";
import { getDb } from "../../db/client";
import { getEnv } from "../env";
import { AppError, toHttpResponse } from "../errors";
import { clientIp } from "./client-ip";
import { findProjectBySlug } from "../projects/default-project";
import { canonicalOrigin, isOriginAllowed, listAllAllowedOrigins, originMatches } from "../projects/origins";

type HeaderSource = { get(name: string): string | null };

/**
 * The browser origin of a visitor API call. `verified` is set once the origin
 * has been checked against the project the call is about; only then does the
 * response carry `Access-Control-Allow-Origin`.
 */
export type VisitorOrigin = { value: string | null; own: string[]; verified: boolean };

/**
 * Our own origins, canonical (lib/projects/origins.ts). With APP_URL set, its
 * origin and nothing else: the Host header is the client's to choose (a
 * DNS-rebinding page sends its own), so it never vouches for anything. Without
 * APP_URL (local development, a bare port) the host the request was addressed
 * to stands in, as http or https: behind a TLS-terminating proxy the scheme we
 * see is http while the browser's is https.
 */
export function ownOrigins(headers: HeaderSource): string[] {
  const appOrigin = getEnv().appOrigin;
  if (appOrigin) return [appOrigin];
  const host = headers.get("host");
  if (!host) return [];
  return [`http://${host}`, `https://${host}`].filter((o) => canonicalOrigin(o) !== null);
}

/** Is `origin` (an Origin header) exactly one of ours? Non-canonical spellings never are. */
export function isOwnOrigin(origin: string | null | undefined, own: readonly string[]): boolean {
  return canonicalOrigin(origin) !== null && own.includes(origin as string);
}

export function visitorOriginOf(headers: HeaderSource): VisitorOrigin {
  return { value: headers.get("origin"), own: ownOrigins(headers), verified: false };
}

/**
 * Strict CORS, enforced server-side: a browser call from an origin outside the
 * project's whitelist is refused (403), not merely unreadable. Calls without
 * an Origin header (same-origin GETs, non-browser clients) pass.
 */
export function assertVisitorOrigin(project: { allowedOrigins: readonly string[] | null }, origin: VisitorOrigin): void {
  if (origin.value === null) return;
  if (!isOriginAllowed(project, origin.value, origin.own)) {
    throw new AppError("forbidden", "This site is not allowed to use this chat.");
  }
  origin.verified = true;
}

const ALLOW_HEADERS = "content-type, x-visitor-token, idempotency-key";
const ALLOW_METHODS = "GET, POST, OPTIONS";

function withCorsHeaders(res: Response, origin: string | null, allow: boolean): Response {
  const headers = new Headers(res.headers);
  headers.append("Vary", "Origin");
  if (allow && origin) {
    headers.set("Access-Control-Allow-Origin", origin);
    headers.set("Access-Control-Allow-Credentials", "true");
  }
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/** Allowed by at least one project (or ours): the most a preflight can know. */
async function allowedSomewhere(db: Db, origin: VisitorOrigin): Promise<boolean> {
  if (!origin.value) return false;
  if (origin.own.some((o) => originMatches(o, origin.value!))) return true;
  return isOriginAllowed({ allowedOrigins: await listAllAllowedOrigins(db) }, origin.value, null);
}

/**
 * Wrapper for /api/visitor/** handlers: the request's ip/db/now plus its
 * origin. Success responses echo the origin only if the handler verified it
 * against the project (`assertVisitorOrigin`); error responses (validation,
 * 404) echo it when some project allows it, so an embedding page can read
 * field errors.
 */
export function withVisitorApi<P = Record<string, string>>(
  handler: (a: { req: Request; params: P; db: Db; ip: string; now: Date; origin: VisitorOrigin }) => Promise<Response>,
) {
  return async (req: Request, rc: { params: Promise<P> }): Promise<Response> => {
    const origin = visitorOriginOf(req.headers);
    let db: Db | null = null;
    try {
      db = await getDb();
      const res = await handler({ req, params: (await rc?.params) ?? ({} as P), db, ip: clientIp(req), now: new Date(), origin });
      return withCorsHeaders(res, origin.value, origin.verified);
    } catch (err) {
      const res = toHttpResponse(err);
      const allow = res.status !== 403 && db !== null && (await allowedSomewhere(db, origin).catch(() => false));
      return withCorsHeaders(res, origin.value, allow);
    }
  };
}

/**
 * CORS preflight for visitor routes. The body (and so the project) isn't
 * sent with a preflight: allow an origin that some project (or we) allow,
 * optionally narrowed by `?project=<slug>`; the real request is then checked
 * against its own project.
 */
export async function visitorPreflight(req: Request): Promise<Response> {
  const origin = visitorOriginOf(req.headers);
  let allow = false;
  try {
    const db = await getDb();
    const slug = new URL(req.url).searchParams.get("project");
    const project = slug && slug.length <= 100 ? await findProjectBySlug(db, slug) : null;
    allow = project ? isOriginAllowed(project, origin.value, origin.own) : await allowedSomewhere(db, origin);
  } catch {
    allow = false;
  }
  const headers = new Headers({ Vary: "Origin" });
  if (allow && origin.value) {
    headers.set("Access-Control-Allow-Origin", origin.value);
    headers.set("Access-Control-Allow-Credentials", "true");
    headers.set("Access-Control-Allow-Methods", ALLOW_METHODS);
    headers.set("Access-Control-Allow-Headers", ALLOW_HEADERS);
    headers.set("Access-Control-Max-Age", "600");
  }
  return new Response(null, { status: allow ? 204 : 403, headers });
}

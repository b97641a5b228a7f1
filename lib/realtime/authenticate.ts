import type { IncomingMessage } from "node:http";
import { getDb } from "../../db/client";
import { staffActor } from "../auth/ctx";
import { findStaffBySession, readCookie, SESSION_COOKIE } from "../auth/session";
import { findVisitorByToken } from "../chat/visitor-session";
import { getEnv } from "../env";
import { findProjectBySlug } from "../projects/default-project";
import { isOriginAllowed } from "../projects/origins";
import type { Identity } from "./hub";

/** The origin this app serves, as the browser would send it in `Origin`. */
export function ownOrigin(req: IncomingMessage): string | null {
  const appUrl = getEnv().appUrl;
  if (appUrl) return new URL(appUrl).origin;
  const host = req.headers.host;
  if (!host) return null;
  const proto = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  return `${proto}://${host}`;
}

/**
 * Who is opening this socket.
 * - Visitors: `?vt=<token>&project=<slug>`; the token must belong to that
 *   project, from our origin or one of the project's allowed embed origins.
 * - Staff: the session cookie, checked against the database, from our own
 *   origin only (a foreign page can't ride the cookie).
 */
export async function authenticateUpgrade(req: IncomingMessage, url: URL): Promise<Identity | null> {
  const origin = req.headers.origin;
  const own = ownOrigin(req);
  const db = await getDb();

  const vt = url.searchParams.get("vt");
  const slug = url.searchParams.get("project");
  if (vt && slug) {
    if (vt.length > 200 || slug.length > 100) return null;
    const project = await findProjectBySlug(db, slug);
    if (!project || !origin || !isOriginAllowed(project, origin, own)) return null;
    const visitor = await findVisitorByToken(db, project.id, vt);
    if (!visitor) return null;
    return { kind: "visitor", visitorId: visitor.id, projectId: project.id };
  }

  const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (cookie) {
    if (!origin || origin !== own) return null;
    const user = await findStaffBySession(db, cookie);
    if (!user) return null;
    return { kind: "staff", userId: user.id, role: user.role, actor: staffActor(user) };
  }
  return null;
}

import type { IncomingMessage } from "node:http";
import { getDb } from "../../db/client";
import { staffActor } from "../ctx";
import { findStaffSession, readCookie, SESSION_COOKIE } from "../auth/session";
import { findVisitorBySlugAndToken } from "../chat/visitor-session";
import { isOriginAllowed } from "../projects/origins";
import { isOwnOrigin, ownOrigins } from "../security/cors";
import type { Identity } from "./hub";

/** Our own origins as a browser would send them: APP_URL's alone when set, else the Host's (http or https behind a TLS proxy). */
function own(req: IncomingMessage): string[] {
  return ownOrigins({ get: (name) => (name === "host" ? (req.headers.host ?? null) : null) });
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
  const ours = own(req);
  const db = await getDb();

  const vt = url.searchParams.get("vt");
  const slug = url.searchParams.get("project");
  if (vt && slug) {
    const found = await findVisitorBySlugAndToken(db, slug, vt);
    if (!found || !origin || !isOriginAllowed(found.project, origin, ours)) return null;
    return { kind: "visitor", visitorId: found.visitor.id, projectId: found.project.id };
  }

  const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (cookie) {
    if (!isOwnOrigin(origin, ours)) return null;
    const found = await findStaffSession(db, cookie);
    if (!found) return null;
    const { user, session } = found;
    return { kind: "staff", userId: user.id, role: user.role, actor: staffActor(user), sessionVersion: user.sessionVersion, sessionId: session.id };
  }
  return null;
}

import type { IncomingMessage } from "node:http";
import { getDb } from "../../db/client";
import { findStaffBySession, readCookie, SESSION_COOKIE } from "../auth/session";
import { getEnv } from "../env";
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
 * Who is opening this socket. Staff: the session cookie, checked against the
 * database, from our own origin only (a foreign page can't ride the cookie).
 */
export async function authenticateUpgrade(req: IncomingMessage, _url: URL): Promise<Identity | null> {
  const origin = req.headers.origin;
  const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (cookie) {
    if (!origin || origin !== ownOrigin(req)) return null;
    const user = await findStaffBySession(await getDb(), cookie);
    if (!user) return null;
    return { kind: "staff", userId: user.id, role: user.role };
  }
  return null;
}

import type { IncomingMessage } from "node:http";
import type { Db } from "../../db/client";
import { CLIENT_IP_HEADER, REQUEST_PATH_HEADER, resolveClientIp, type TrustProxy } from "./client-ip";
import { isIpBlocked } from "./ip-blocks";
import { screenRequest } from "./scanner";

export type FrontDoorOptions = {
  db: Db;
  trustProxy: TrustProxy;
  /** Opens a staff session cookie (lib/auth/session.ts): a real one exempts a request from the scanner rule. */
  verifyStaffCookie?: (value: string) => Promise<boolean>;
};

/**
 * The first steps of every request and upgrade, before anything else runs:
 * 1. the client's address, through trusted proxy hops only;
 * 2. the block check — a blocked client gets nothing but a bare 403;
 * 3. the scanner rule counts a suspicious request (in the background);
 * 4. headers only we may set are replaced: our client-IP and request-path headers, and Next's
 *    internal `x-middleware-subrequest` (CVE-2025-29927) is dropped.
 * Returns the address, or null when the caller must refuse with a bare 403.
 */
export function frontDoor(req: IncomingMessage, opts: FrontDoorOptions): string | null {
  const ip = resolveClientIp(req, opts.trustProxy);
  if (isIpBlocked(ip)) return null;
  screenRequest(opts.db, ip, req, opts.verifyStaffCookie);
  delete req.headers["x-middleware-subrequest"];
  req.headers[CLIENT_IP_HEADER] = ip;
  req.headers[REQUEST_PATH_HEADER] = req.url ?? "/";
  return ip;
}

import type { IncomingHttpHeaders } from "node:http";
import type { Db } from "../../db/client";
import { logger } from "../logger";
import { strikeSubject } from "./client-ip";
import { countInWindow, resetWindow } from "./rate-limits";
import { isAllowListed, strikeRuleSettings } from "./security-settings";
import { blockForRule } from "./strikes";

/*
 * The scanner rule (product brief: "Bots that hammer the API looking for
 * vulnerabilities — making unauth'd requests without a normal browser
 * User-Agent — are detected and tracked. 50 suspicious requests in 10
 * minutes triggers a 60-minute IP block"). `suspiciousReason` classifies a
 * request; `noteSuspicious` counts it (in memory or Redis, never a database
 * row per request) and blocks the client once the window holds the limit.
 */

/** The staff session cookie (lib/auth/session.ts; a test keeps the two in step — lib/security can't import lib/auth). */
export const STAFF_SESSION_COOKIE = "occ_session";
/** iron-session seals start with this: a cookie that merely has the right name doesn't exempt a scanner. */
const SEAL_PREFIX = "Fe26.2*";

/** Paths that legitimately get requests from non-browser clients: the health check, the web-lead API, webhooks. */
const EXEMPT: RegExp[] = [/^\/healthz\/?$/, /^\/api\/web-leads\/?$/, /^\/api\/webhooks\//];

/**
 * Paths this app doesn't have and vulnerability scanners always try:
 * WordPress, PHP and its admin tools, CGI, leaked dotfiles (/.env, /.git),
 * Java/Spring consoles, backups. Matched against the lowercased, decoded path.
 */
const PROBES: [RegExp, string][] = [
  [/^\/(wp-admin|wp-content|wp-includes|wordpress|wp)(\/|$)/, "wordpress"],
  [/\/(wp-login|xmlrpc|wp-config)\.php/, "wordpress"],
  [/\.(php\d?|phtml|asp|aspx|ashx|jsp|jspx|cgi|pl|cfm|do|action)(\/|$)/, "script-extension"],
  [/(^|\/)(phpmyadmin|pma|myadmin|mysqladmin|adminer|phpunit)(\/|$)/, "db-admin"],
  [/^\/(cgi-bin|cgi|fcgi-bin)(\/|$)/, "cgi"],
  [/^\/vendor\//, "vendor"],
  [/^\/(actuator|jolokia|solr|jenkins|manager\/html|hudson|struts|axis2|druid|nacos)(\/|$)/, "java-console"],
  [/^\/(boaform|hnap1|goform|setup\.cgi|shell|console\/login|remote\/login|owa|ecp|autodiscover)(\/|$)/i, "appliance"],
  [/^\/(server-status|server-info)(\/|$)/, "server-info"],
  [/\.(sql|bak|old|orig|swp|tar|tgz|tar\.gz|zip|rar|7z|sqlite|env)$/, "backup-file"],
];
const TRAVERSAL = /(\/\.\.(\/|\\|$)|\.\.\\|\/etc\/passwd|\/proc\/self|win\.ini|\x00)/;

/** User-Agents of scripting tools and scanners (lowercased substrings). */
const TOOLS = [
  "curl/", "wget/", "python-requests", "python-urllib", "python-httpx", "aiohttp", "go-http-client", "libwww-perl", "lwp::", "lwp-",
  "java/", "apache-httpclient", "httpclient", "zgrab", "masscan", "nmap", "sqlmap", "nikto", "nuclei", "wpscan", "dirbuster",
  "gobuster", "feroxbuster", "ffuf", "wfuzz", "acunetix", "netsparker", "nessus", "openvas", "w3af", "zmeu", "censysinspect",
  "l9explore", "l9tcpid", "fasthttp", "scrapy", "hydra", "httpie/", "winhttp", "mozlila",
];

const ALLOWED_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

type Headers = IncomingHttpHeaders | Record<string, string | string[] | undefined>;
const header = (h: Headers, name: string): string => {
  const v = h[name];
  return Array.isArray(v) ? v.join(", ") : (v ?? "");
};

/** The staff session cookie's value when it has a seal's shape (its validity is for `verifyStaffCookie` or the route). */
function staffCookieOf(h: Headers): string | null {
  const c = header(h, "cookie");
  if (!c.includes(STAFF_SESSION_COOKIE)) return null;
  for (const part of c.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === STAFF_SESSION_COOKIE) {
      const v = part.slice(eq + 1).trim();
      if (v.startsWith(SEAL_PREFIX) || v.startsWith(encodeURIComponent(SEAL_PREFIX))) return v;
    }
  }
  return null;
}

/**
 * Why a request looks like a scanner's, or null when it doesn't. Pure and
 * cheap (it runs on every request). Never for a signed-in staff member's
 * request or for the paths non-browser clients legitimately use (/healthz,
 * /api/web-leads, /api/webhooks/*). Otherwise suspicious: a request target
 * that isn't a path, odd methods (TRACE, PROPFIND…), probes of paths this
 * app doesn't have (/wp-admin, /.env, /phpmyadmin, *.php…), and a missing
 * or tool User-Agent (curl, python-requests, Go-http-client, zgrab, sqlmap…).
 * Other non-browser agents (link previews such as facebookexternalhit, uptime
 * monitors) pass: an ad's landing page must not block the ad network's crawler.
 */
export function suspiciousReason(req: { method?: string; pathname: string; headers: Headers }, opts: { staffCookieExempts?: boolean } = {}): string | null {
  const raw = req.pathname || "/";
  if (!raw.startsWith("/")) return "not-a-path";
  let path: string;
  try {
    path = decodeURIComponent(raw).toLowerCase();
  } catch {
    return "bad-encoding";
  }
  path = path.replace(/\/{2,}/g, "/");
  if ((opts.staffCookieExempts ?? true) && staffCookieOf(req.headers) !== null) return null;
  // Checked before the exemptions: "/api/webhooks/../../.env" is not a webhook.
  if (TRAVERSAL.test(path)) return "probe:traversal";
  if (EXEMPT.some((re) => re.test(path))) return null;
  const method = (req.method ?? "GET").toUpperCase();
  if (!ALLOWED_METHODS.has(method)) return "method";
  // Dotfiles and dot-directories (/.env, /.git/config, /.aws/credentials); /.well-known is the one real one.
  if (/(^|\/)\.(?!well-known(\/|$))[^/]/.test(path)) return "probe:dotfile";
  for (const [re, why] of PROBES) if (re.test(path)) return `probe:${why}`;
  const ua = header(req.headers, "user-agent").trim().toLowerCase();
  if (!ua) return "no-user-agent";
  for (const t of TOOLS) if (ua.includes(t)) return "tool-user-agent";
  return null;
}

/**
 * Count one suspicious request from `ip`; when the rolling window (the
 * scanner rule's settings) holds the limit, block the client — one block
 * row, written only then. Allow-listed clients are never counted. Returns
 * whether this call blocked.
 */
export async function noteSuspicious(db: Db, ip: string, now = new Date()): Promise<boolean> {
  if (!ip || isAllowListed(ip)) return false;
  const rule = strikeRuleSettings("scanner");
  const subject = strikeSubject(ip);
  const n = await countInWindow("scanner", subject, now.getTime(), rule.windowMs, rule.limit);
  if (n < rule.limit) return false;
  const blocked = await blockForRule(db, ip, "scanner", now);
  // The window starts afresh once the client is blocked (by this call or by another instance's).
  await resetWindow("scanner", subject);
  return blocked;
}

/**
 * What server.ts calls for every request and every upgrade, right after the
 * block check: classify, and count a suspicious one in the background.
 * A staff cookie exempts the request only if `verifyStaffCookie` opens it
 * (a scanner can copy a seal's shape, not forge one); that check runs only
 * for requests that would count. Never throws, never delays the request.
 */
export function screenRequest(
  db: Db,
  ip: string,
  req: { method?: string; url?: string; headers: Headers },
  verifyStaffCookie?: (value: string) => Promise<boolean>,
): void {
  if (!ip) return;
  const reason = suspiciousReason(
    { method: req.method, pathname: (req.url ?? "/").split("?")[0], headers: req.headers },
    { staffCookieExempts: !verifyStaffCookie },
  );
  if (!reason) return;
  const cookie = verifyStaffCookie ? staffCookieOf(req.headers) : null;
  void (async () => {
    if (cookie && (await verifyStaffCookie!(safeDecode(cookie)).catch(() => false))) return;
    await noteSuspicious(db, ip);
  })().catch((err) => logger.warn({ err, reason }, "scanner rule failed"));
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

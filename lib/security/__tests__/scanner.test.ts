import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { auditLog, blockedIps, settings, strikes } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { SESSION_COOKIE } from "../../auth/session";
import { parseEnv } from "../../env";
import { setSingleton } from "../../singleton";
import { isIpBlocked } from "../ip-blocks";
import { countInWindow } from "../rate-limits";
import { noteSuspicious, STAFF_SESSION_COOKIE, suspiciousReason } from "../scanner";
import { ALLOW_LIST_KEY, refreshSecuritySettings, STRIKE_SETTINGS_KEY, writeSetting } from "../security-settings";

/**
 * The scanner rule: the classifier, and the count → block on a fixed clock.
 * The burst test writes one block row on PostgreSQL only because the block
 * is decided under the per-client lock (parallel calls run on separate
 * connections there; PGlite runs them one after the other anyway).
 */
const CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI_IOS = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SEALED = "Fe26.2*1*0123456789abcdef*abc*def**ghi*jkl";

const req = (pathname: string, ua?: string, extra: Record<string, string> = {}, method = "GET") => ({
  method,
  pathname,
  headers: { ...(ua === undefined ? {} : { "user-agent": ua }), ...extra },
});

describe("suspiciousReason", () => {
  it.each([
    ["/", CHROME],
    ["/p/default", SAFARI_IOS],
    ["/p/default/chat", FIREFOX],
    ["/login", CHROME],
    ["/admin/security", CHROME],
    ["/manager", CHROME],
    ["/_next/static/chunks/app-1234.js", CHROME],
    ["/widget/widget.js", CHROME],
    ["/api/chat/attachments/12", CHROME],
    ["/.well-known/security.txt", CHROME],
    ["/favicon.ico", FIREFOX],
    // Crawlers the ads depend on (link previews, ad review) and headless browsers.
    ["/p/default", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"],
    ["/p/default", "WhatsApp/2.23.20.0"],
    ["/p/default", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"],
    ["/p/default", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"],
  ])("a browser or a known crawler passes: %s (%s)", (p, ua) => {
    expect(suspiciousReason(req(p, ua))).toBeNull();
  });

  it("POST, OPTIONS and the other ordinary methods pass", () => {
    for (const m of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]) expect(suspiciousReason(req("/api/chat/start", CHROME, {}, m)), m).toBeNull();
  });

  it.each([
    ["/wp-admin"],
    ["/wp-admin/setup-config.php"],
    ["/wp-login.php"],
    ["/wordpress/wp-login.php"],
    ["/xmlrpc.php"],
    ["/.env"],
    ["/.env.production"],
    ["/api/.env"],
    ["/.git/config"],
    ["/.aws/credentials"],
    ["/phpmyadmin/"],
    ["/pma/index.php"],
    ["/index.php"],
    ["/admin.php"],
    ["/cgi-bin/luci"],
    ["/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php"],
    ["/actuator/health"],
    ["/solr/admin/info/system"],
    ["/server-status"],
    ["/backup.zip"],
    ["/db.sql"],
    ["/site.tar.gz"],
    ["/HNAP1"],
    ["/../../etc/passwd"],
    ["/static/..%2f..%2f..%2fetc/passwd"],
    // Spelled to dodge a naive match.
    ["/WP-ADMIN/"],
    ["//wp-admin"],
    ["/%2e%65nv"],
  ])("a probe of a path this app doesn't have is suspicious, whatever the agent: %s", (p) => {
    expect(suspiciousReason(req(p, CHROME))).toMatch(/^probe:/);
  });

  it.each([
    ["curl/8.5.0"],
    ["python-requests/2.32.3"],
    ["Python-urllib/3.12"],
    ["Go-http-client/1.1"],
    ["Go-http-client/2.0"],
    ["Mozilla/5.0 zgrab/0.x"],
    ["masscan/1.3 (https://github.com/robertdavidgraham/masscan)"],
    ["sqlmap/1.8.2#stable (https://sqlmap.org)"],
    ["Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)"],
    ["Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"],
    ["Wget/1.21.4"],
    ["Java/17.0.2"],
    ["Nuclei - Open-source project (github.com/projectdiscovery/nuclei)"],
  ])("a scripting tool or scanner's agent is suspicious: %s", (ua) => {
    expect(suspiciousReason(req("/", ua))).toBe("tool-user-agent");
  });

  it("no User-Agent, or an empty one, is suspicious", () => {
    expect(suspiciousReason(req("/", undefined))).toBe("no-user-agent");
    expect(suspiciousReason(req("/", ""))).toBe("no-user-agent");
    expect(suspiciousReason(req("/", "   "))).toBe("no-user-agent");
  });

  it("odd methods, non-path targets and broken encodings are suspicious", () => {
    expect(suspiciousReason(req("/", CHROME, {}, "TRACE"))).toBe("method");
    expect(suspiciousReason(req("/", CHROME, {}, "PROPFIND"))).toBe("method");
    expect(suspiciousReason(req("http://example.com/", CHROME))).toBe("not-a-path");
    expect(suspiciousReason(req("/%E0%A4%A", CHROME))).toBe("bad-encoding");
  });

  it("a signed-in staff member's requests are exempt (a sealed session cookie, not just its name)", () => {
    const cookie = { cookie: `theme=dark; ${STAFF_SESSION_COOKIE}=${SEALED}` };
    expect(suspiciousReason(req("/", "curl/8.5.0", cookie))).toBeNull();
    expect(suspiciousReason(req("/wp-admin", CHROME, cookie))).toBeNull();
    expect(suspiciousReason(req("/", undefined, { cookie: `${STAFF_SESSION_COOKIE}=${encodeURIComponent(SEALED)}` }))).toBeNull();
    // A cookie that merely has the name doesn't exempt a scanner.
    expect(suspiciousReason(req("/", "curl/8.5.0", { cookie: `${STAFF_SESSION_COOKIE}=x` }))).toBe("tool-user-agent");
    expect(suspiciousReason(req("/wp-admin", CHROME, { cookie: `not_${STAFF_SESSION_COOKIE}=${SEALED}` }))).toMatch(/^probe:/);
  });

  it("the scanner's cookie name is the session's", () => {
    expect(STAFF_SESSION_COOKIE).toBe(SESSION_COOKIE);
  });

  it("the health check, the web-lead API and webhooks are exempt for any client", () => {
    expect(suspiciousReason(req("/healthz", "curl/8.5.0"))).toBeNull();
    expect(suspiciousReason(req("/healthz", undefined))).toBeNull();
    expect(suspiciousReason(req("/api/web-leads", "python-requests/2.32.3", {}, "POST"))).toBeNull();
    expect(suspiciousReason(req("/api/webhooks/meta", "Go-http-client/2.0", {}, "POST"))).toBeNull();
    expect(suspiciousReason(req("/api/webhooks/sheets/123", undefined, {}, "POST"))).toBeNull();
    // …but not a path that merely starts like one.
    expect(suspiciousReason(req("/healthz/../../.env", "curl/8.5.0"))).toMatch(/^probe:/);
    expect(suspiciousReason(req("/api/webhooks/../../.git/config", "curl/8.5.0"))).toMatch(/^probe:/);
    expect(suspiciousReason(req("/api/web-leadsx", "curl/8.5.0"))).toBe("tool-user-agent");
  });
});

let h: DbHandle;
const useEnv = (over: Record<string, string> = {}) => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-scanner"), SESSION_SECRET: "s".repeat(40), ...over } as unknown as NodeJS.ProcessEnv));
  setSingleton("rate-limiters", undefined);
  setSingleton("rolling-windows", undefined);
};
beforeAll(async () => {
  useEnv();
  h = await createTestDb();
});
afterEach(async () => {
  useEnv();
  await h.db.delete(blockedIps);
  await h.db.delete(settings);
  await refreshSecuritySettings(h.db);
});
afterAll(async () => {
  setSingleton("env", undefined);
  setSingleton("rate-limiters", undefined);
  await h?.close();
});

const MIN = 60_000;
const T0 = new Date("2026-04-01T09:00:00.000Z").getTime();
const at = (ms: number) => new Date(T0 + ms);
let n = 0;
const nextIp = () => `198.18.7.${++n}`;
const blocksFor = (address: string) => h.db.select().from(blockedIps).where(eq(blockedIps.address, address));

describe("noteSuspicious: 50 suspicious requests in 10 minutes → a 60-minute block (defaults)", () => {
  it("49 don't block, and write nothing; the 50th blocks, one row, for 60 minutes", async () => {
    const ip = nextIp();
    for (let i = 0; i < 49; i++) expect(await noteSuspicious(h.db, ip, at(i * 1000))).toBe(false);
    expect(await blocksFor(ip)).toHaveLength(0);
    // Counting wrote no database rows at all.
    expect(await h.db.select().from(strikes).where(eq(strikes.ip, ip))).toHaveLength(0);
    expect(await h.db.select().from(auditLog).where(eq(auditLog.targetId, ip))).toHaveLength(0);
    expect(await noteSuspicious(h.db, ip, at(49_000))).toBe(true);
    const rows = await blocksFor(ip);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: "auto", rule: "scanner", reason: "50 suspicious requests in 10 minutes" });
    expect(rows[0].expiresAt!.getTime()).toBe(T0 + 49_000 + 60 * MIN);
    expect(isIpBlocked(ip, T0 + 49_000)).toBe(true);
    expect(isIpBlocked(ip, T0 + 49_000 + 60 * MIN)).toBe(false);
    const audits = await h.db.select().from(auditLog).where(eq(auditLog.targetId, ip));
    expect(audits.map((a) => [a.action, a.actorKind])).toEqual([["ip.block", "system:strike:scanner"]]);
  });

  it("the window rolls: requests 10 minutes old or more don't count", async () => {
    const ip = nextIp();
    for (let i = 0; i < 30; i++) await noteSuspicious(h.db, ip, at(0));
    for (let i = 0; i < 19; i++) await noteSuspicious(h.db, ip, at(5 * MIN));
    // At +10 min the first 30 have left the window: 19 + 1 count.
    expect(await noteSuspicious(h.db, ip, at(10 * MIN))).toBe(false);
    expect(await blocksFor(ip)).toHaveLength(0);
    // Within it, the 50th does block.
    for (let i = 0; i < 29; i++) expect(await noteSuspicious(h.db, ip, at(10 * MIN + 1))).toBe(false);
    expect(await noteSuspicious(h.db, ip, at(10 * MIN + 2))).toBe(true);
  });

  it("an IPv6 /64 counts as one client", async () => {
    for (let i = 1; i < 50; i++) expect(await noteSuspicious(h.db, `2001:db8:5c:1::${i.toString(16)}`, at(i))).toBe(false);
    expect(await noteSuspicious(h.db, "2001:db8:5c:1:ffff::1", at(50))).toBe(true);
    expect(await blocksFor("2001:db8:5c:1::/64")).toHaveLength(1);
    expect(isIpBlocked("2001:db8:5c:1::abcd", T0 + 50)).toBe(true);
    expect(isIpBlocked("2001:db8:5c:2::1", T0 + 50)).toBe(false);
  });

  it("a burst past the threshold writes exactly one block row", async () => {
    const ip = nextIp();
    for (let i = 0; i < 45; i++) await noteSuspicious(h.db, ip, at(0));
    const results = await Promise.all(Array.from({ length: 30 }, () => noteSuspicious(h.db, ip, at(1))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await blocksFor(ip)).toHaveLength(1);
  });

  it("an allow-listed client is never counted nor blocked", async () => {
    const ip = nextIp();
    await writeSetting(h.db, ALLOW_LIST_KEY, { entries: [{ address: "198.18.7.0/24", note: "office" }] }, { userId: null, now: at(0) });
    await refreshSecuritySettings(h.db);
    for (let i = 0; i < 200; i++) expect(await noteSuspicious(h.db, ip, at(i))).toBe(false);
    expect(await blocksFor(ip)).toHaveLength(0);
  });
});

describe("noteSuspicious with changed settings", () => {
  it("honours the stored limit, window and block", async () => {
    await writeSetting(h.db, STRIKE_SETTINGS_KEY, { scanner: { limit: 3, windowMinutes: 1, blockMinutes: 5 } }, { userId: null, now: at(0) });
    await refreshSecuritySettings(h.db);
    const ip = nextIp();
    expect(await noteSuspicious(h.db, ip, at(0))).toBe(false);
    // 61 s later the first has left the 1-minute window.
    expect(await noteSuspicious(h.db, ip, at(61_000))).toBe(false);
    expect(await noteSuspicious(h.db, ip, at(62_000))).toBe(false);
    expect(await noteSuspicious(h.db, ip, at(63_000))).toBe(true);
    const [b] = await blocksFor(ip);
    expect(b.expiresAt!.getTime()).toBe(T0 + 63_000 + 5 * MIN);
    expect(b.reason).toBe("3 suspicious requests in 1 minute");
  });
});

describe("the rolling-window counter", () => {
  it("counts per key, at most `cap`, forgetting what left the window", async () => {
    expect(await countInWindow("t", "a", 0, 1000, 3)).toBe(1);
    expect(await countInWindow("t", "a", 500, 1000, 3)).toBe(2);
    expect(await countInWindow("t", "b", 500, 1000, 3)).toBe(1);
    expect(await countInWindow("t", "a", 999, 1000, 3)).toBe(3);
    expect(await countInWindow("t", "a", 999, 1000, 3)).toBe(3);
    // At 1000 the event at 0 is exactly a window old: out.
    expect(await countInWindow("t", "a", 1500, 1000, 10)).toBe(3);
    expect(await countInWindow("t", "a", 5000, 1000, 10)).toBe(1);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
describe.runIf(redisUrl)("counted in Redis, shared by instances", () => {
  it("two instances' suspicious requests add up to one threshold and one block", async () => {
    useEnv({ REDIS_URL: redisUrl! });
    const { rateLimitStoreReady } = await import("../rate-limits");
    expect(await rateLimitStoreReady()).toBe(true);
    const ip = `198.18.8.${Math.floor(Math.random() * 250) + 1}`;
    const key = `t-${Date.now()}-${Math.random()}`;
    // The counter itself, across "instances" (a new set of connections, fresh local memory).
    expect(await countInWindow("t", key, T0, MIN, 10)).toBe(1);
    useEnv({ REDIS_URL: redisUrl! });
    expect(await rateLimitStoreReady()).toBe(true);
    expect(await countInWindow("t", key, T0 + 1, MIN, 10)).toBe(2);
    // The rule: 25 here, 25 there.
    const { resetWindow } = await import("../rate-limits");
    await resetWindow("scanner", ip);
    for (let i = 0; i < 25; i++) expect(await noteSuspicious(h.db, ip, at(i))).toBe(false);
    useEnv({ REDIS_URL: redisUrl! });
    expect(await rateLimitStoreReady()).toBe(true);
    for (let i = 25; i < 49; i++) expect(await noteSuspicious(h.db, ip, at(i))).toBe(false);
    expect(await noteSuspicious(h.db, ip, at(49))).toBe(true);
    expect(await blocksFor(ip)).toHaveLength(1);
  });
});

describe("screenRequest: a staff cookie exempts only when it opens", () => {
  it("counts a scanner that copies a seal's shape, never a signed-in staff member", async () => {
    const { screenRequest } = await import("../scanner");
    await writeSetting(h.db, STRIKE_SETTINGS_KEY, { scanner: { limit: 2, windowMinutes: 10, blockMinutes: 60 } }, { userId: null, now: new Date() });
    await refreshSecuritySettings(h.db);
    const probe = { method: "GET", url: "/wp-admin/setup.php", headers: { "user-agent": "curl/8.5", cookie: `${STAFF_SESSION_COOKIE}=${SEALED}` } };
    const seen: string[] = [];
    const opens = async (v: string) => (seen.push(v), true);
    const forged = async (v: string) => (seen.push(v), false);

    const staff = nextIp();
    for (let i = 0; i < 5; i++) screenRequest(h.db, staff, probe, opens);
    const scanner = nextIp();
    for (let i = 0; i < 2; i++) screenRequest(h.db, scanner, probe, forged);
    await expect.poll(() => isIpBlocked(scanner), { timeout: 10_000 }).toBe(true);
    expect(seen).toHaveLength(7);
    expect(seen[0]).toBe(SEALED);
    expect(isIpBlocked(staff)).toBe(false);
    expect(await blocksFor(staff)).toHaveLength(0);
  });
});

import http from "node:http";
import type net from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { projects } from "../../../db/schema";
import { startServer } from "../../../tests/e2e/server";
import { API_CSP, classifyPath, HSTS, pageCsp, routedPathname, securityHeadersFor, setDefaultHeaders, visitorSlug, wsSources } from "../headers";

/**
 * Security headers as the real server sends them: `node scripts/start.mjs`
 * (server.ts in front of the built Next app, building `.next` first if the
 * sources changed — run under `flock /tmp/occ-e2e.lock` next to other
 * builds), on a database of its own, once without APP_URL (the Host stands in
 * for our origin, as in local development) and once with an https APP_URL.
 * Every request is a real HTTP request; headers written by Next's route
 * handlers and pages meet ours the way they do in production.
 */

const ADMIN = { email: "headers-admin@example.test", password: "violet-canoe-orbit-42" };
const EMBED = {
  slug: "embed",
  allowedOrigins: ["https://*.client.test", "https://shop.example.org", "http://localhost:5173", "http://[::1]:3000", "https://bad.example.org/path", "https://x.test; script-src *"],
  iconUrl: "https://cdn.example.net/brand/icon.png",
};

type Booted = { base: string; port: number; logFile: string; stop: () => Promise<void> };

/** Start the server as `npm start` does (tests/e2e/server.ts), with one extra project whose whitelist and icon the visitor pages' CSP must carry. */
async function boot(name: string, extraEnv: Record<string, string>): Promise<Booted> {
  const server = await startServer({
    name: `headers-${name}`,
    build: true,
    // A cold build on 2 cores takes minutes; a warm start seconds.
    healthTimeoutMs: 14 * 60_000,
    env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: "warn", TRUST_PROXY: "", RATE_LIMIT_FACTOR: "1", ...extraEnv },
    // The app's own seed adds a default project only to an empty table.
    seed: async (db) =>
      void (await db.insert(projects).values([
        { slug: "default", title: "Default", isDefault: true },
        { slug: EMBED.slug, title: "Embedded", allowedOrigins: EMBED.allowedOrigins, iconUrl: EMBED.iconUrl },
      ])),
  });
  return { base: server.baseURL, port: Number(new URL(server.baseURL).port), logFile: server.logFile, stop: server.dispose };
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { redirect: "manual", headers });
const csp = (res: Response) => res.headers.get("content-security-policy") ?? "";
const directive = (policy: string, name: string) =>
  policy
    .split(";")
    .map((d) => d.trim())
    .find((d) => d === name || d.startsWith(`${name} `)) ?? null;
const nonceOf = (policy: string) => /'nonce-([^']+)'/.exec(policy)?.[1] ?? null;

/** Every <script> of a Next page carries the response's nonce (Next read it from the request CSP server.ts handed it). */
function expectScriptsNonced(html: string, nonce: string) {
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag, tag).toContain(`nonce="${nonce}"`);
}

function expectStrictPage(res: Response, a: { ws: string[] }) {
  const policy = csp(res);
  expect(directive(policy, "object-src")).toBe("object-src 'none'");
  expect(directive(policy, "base-uri")).toBe("base-uri 'none'");
  expect(directive(policy, "script-src")).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}'/);
  expect(directive(policy, "script-src")).not.toContain("unsafe-inline");
  expect(directive(policy, "connect-src")).toBe(["connect-src 'self'", ...a.ws].join(" "));
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
}

describe("security headers over the real server", () => {
  let dev: Booted; // no APP_URL
  let prod: Booted; // APP_URL=https://chat.example.test
  const APP = "https://chat.example.test";

  beforeAll(async () => {
    // One at a time: the first may build `.next`; the second then finds it fresh.
    dev = await boot("nourl", {});
    prod = await boot("appurl", { APP_URL: APP });
  }, 20 * 60_000);
  afterAll(async () => {
    await Promise.all([dev?.stop(), prod?.stop()]);
  }, 60_000);

  const devWs = () => [`ws://127.0.0.1:${dev.port}`, `wss://127.0.0.1:${dev.port}`];

  it("a staff page: strict CSP by nonce, never framed, connect-src our own origin only (no ws:/wss: wildcards)", async () => {
    const res = await get(`${dev.base}/login`);
    expect(res.status).toBe(200);
    expectStrictPage(res, { ws: devWs() });
    const policy = csp(res);
    expect(directive(policy, "frame-ancestors")).toBe("frame-ancestors 'none'");
    expect(directive(policy, "script-src")).toContain("'strict-dynamic'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("permissions-policy")).toContain("camera=()");
    expect(res.headers.get("strict-transport-security")).toBeNull();
    expectScriptsNonced(await res.text(), nonceOf(policy)!);
    // A fresh nonce per response.
    expect(nonceOf(csp(await get(`${dev.base}/login`)))).not.toBe(nonceOf(policy));
  });

  it("the visitor landing page: framable by the project's allowed origins only, images from its icon's origin", async () => {
    const res = await get(`${dev.base}/p/${EMBED.slug}`);
    expect(res.status).toBe(200);
    expectStrictPage(res, { ws: devWs() });
    const policy = csp(res);
    // Canonical entries only; the IPv6 one can't be a CSP source; the one with a path and the injection attempt match nothing.
    expect(directive(policy, "frame-ancestors")).toBe("frame-ancestors 'self' https://*.client.test https://shop.example.org http://localhost:5173");
    expect(directive(policy, "img-src")).toBe("img-src 'self' data: blob: https://cdn.example.net");
    expect(policy).not.toContain("script-src *");
    expect(res.headers.get("x-frame-options")).toBeNull();
    // Its one script is ours, with the response's nonce: the page is 'strict-dynamic' (a tag manager loads its own scripts).
    expect(directive(policy, "script-src")).toContain("'strict-dynamic'");
    const html = await res.text();
    expect(html).toMatch(/<script type="module" src="\/visitor-assets\/[^"]+" nonce="/);
    expectScriptsNonced(html, nonceOf(policy)!);
  });

  it("the default project's landing page (via /) and an unknown slug: framable by ourselves only", async () => {
    const root = await get(`${dev.base}/`);
    expect([307, 308]).toContain(root.status);
    const landing = await get(new URL(root.headers.get("location")!, dev.base).href);
    expect(landing.status).toBe(200);
    expect(directive(csp(landing), "frame-ancestors")).toBe("frame-ancestors 'self'");
    const unknown = await get(`${dev.base}/p/no-such-project`);
    expect(unknown.status).toBe(404);
    expectStrictPage(unknown, { ws: devWs() });
    expect(directive(csp(unknown), "frame-ancestors")).toBe("frame-ancestors 'self'");
  });

  it("the visitor chat page (React): same framers, and Next's scripts carry the nonce", async () => {
    const res = await get(`${dev.base}/p/${EMBED.slug}/chat`);
    expect(res.status).toBe(200);
    expectStrictPage(res, { ws: devWs() });
    const policy = csp(res);
    expect(directive(policy, "frame-ancestors")).toBe("frame-ancestors 'self' https://*.client.test https://shop.example.org http://localhost:5173");
    expectScriptsNonced(await res.text(), nonceOf(policy)!);
  });

  it("an unknown path's 404 page: a strict CSP, its scripts nonced, never framed", async () => {
    const res = await get(`${dev.base}/no/such/page`);
    expect(res.status).toBe(404);
    expectStrictPage(res, { ws: devWs() });
    expect(directive(csp(res), "frame-ancestors")).toBe("frame-ancestors 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expectScriptsNonced(await res.text(), nonceOf(csp(res))!);
  });

  it("no spelling of a staff path passes for a framable visitor page", async () => {
    for (const p of ["/p/%2e%2e/login", "/p/../login", "/p/embed/%2e%2e/%2e%2e/login", "/p/embed/chat/../../../login"]) {
      const res = await get(`${dev.base}${p}`);
      expect(directive(csp(res), "frame-ancestors"), p).toBe("frame-ancestors 'none'");
    }
  });

  it("API routes: a CSP under which nothing runs or frames", async () => {
    const me = await get(`${dev.base}/api/auth/me`);
    expect(me.status).toBe(401);
    expect(csp(me)).toBe(API_CSP);
    expect(me.headers.get("x-content-type-options")).toBe("nosniff");
    const visitorApi = await fetch(`${dev.base}/api/visitor/conversations`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(visitorApi.status).toBe(400);
    expect(csp(visitorApi)).toBe(API_CSP);
  });

  it("static assets keep nosniff and a CSP", async () => {
    const html = await (await get(`${dev.base}/login`)).text();
    const chunk = /src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(chunk).toBeTruthy();
    const res = await get(`${dev.base}${chunk}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(directive(csp(res), "frame-ancestors")).toBe("frame-ancestors 'none'");
    const icon = await get(`${dev.base}/icon.svg`);
    expect(icon.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("the attachment route keeps its own sandbox CSP (a route's header is never overwritten by ours)", async () => {
    const start = await fetch(`${dev.base}/api/visitor/conversations`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: dev.base },
      body: JSON.stringify({ slug: "default", name: "Hedda Headers", phone: "201 555 0142", email: "hedda@example.test", country: "US" }),
    });
    expect(start.status, await start.clone().text()).toBe(201);
    const { token, conversationId } = (await start.json()) as { token: string; conversationId: number };
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#336699" } }).png().toBuffer();
    const form = new FormData();
    form.set("conversationId", String(conversationId));
    form.set("file", new File([new Uint8Array(png)], "x.png", { type: "image/png" }));
    const upload = await fetch(`${dev.base}/api/chat/attachments`, { method: "POST", headers: { "x-visitor-token": token }, body: form });
    expect(upload.status, await upload.clone().text()).toBe(201);
    const { id } = (await upload.json()) as { id: number };
    const res = await get(`${dev.base}/api/chat/attachments/${id}`, { "x-visitor-token": token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^image\//);
    expect(csp(res)).toBe("default-src 'none'; sandbox");
    // One policy, not ours appended to it.
    expect(res.headers.get("content-security-policy")).not.toContain(",");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  describe("with APP_URL=https://…", () => {
    it("HSTS on every kind of response, and connect-src names APP_URL's wss origin", async () => {
      for (const p of ["/login", `/p/${EMBED.slug}`, `/p/${EMBED.slug}/chat`, "/no/such/page", "/api/auth/me", "/icon.svg", "/healthz"]) {
        const res = await get(`${prod.base}${p}`);
        expect(res.headers.get("strict-transport-security"), p).toBe(HSTS);
      }
      const res = await get(`${prod.base}/login`);
      expect(directive(csp(res), "connect-src")).toBe("connect-src 'self' wss://chat.example.test");
    });

    it("staff requests: APP_URL's origin is the only one accepted, whatever the Host says", async () => {
      // node:http, not fetch: fetch won't let a caller choose the Host header.
      const login = (origin: string, host?: string) =>
        new Promise<number>((resolve, reject) => {
          const body = JSON.stringify({ login: ADMIN.email, password: "wrong-password-here" });
          const req = http.request(
            `${prod.base}/api/auth/login`,
            { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), origin, ...(host ? { host } : {}) } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.once("error", reject);
          req.end(body);
        });
      // Host-derived origins are ours only without APP_URL.
      expect(await login(prod.base)).toBe(403);
      expect(await login("http://evil.test", "evil.test")).toBe(403);
      expect(await login(`${APP}/`)).toBe(403);
      expect(await login(APP.toUpperCase())).toBe(403);
      // Our origin passes the origin check (and then fails on the password).
      expect(await login(APP)).toBe(401);
    });

    it("staff sockets: APP_URL's origin only — `Host: evil.test` + `Origin: http://evil.test` is refused", async () => {
      const signIn = await fetch(`${prod.base}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: APP },
        body: JSON.stringify({ login: ADMIN.email, password: ADMIN.password }),
      });
      expect(signIn.status).toBe(200);
      const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
      expect(cookie).toMatch(/^occ_session=/);
      const upgrade = (headers: Record<string, string>) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${prod.port}/ws`, { headers: { cookie, ...headers } });
          ws.once("open", () => {
            ws.close();
            resolve(101);
          });
          ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
          ws.once("error", () => resolve(-1));
        });
      expect(await upgrade({ host: "evil.test", origin: "http://evil.test" })).toBe(401);
      expect(await upgrade({ origin: prod.base })).toBe(401);
      expect(await upgrade({ origin: `${APP}/` })).toBe(401);
      expect(await upgrade({ origin: APP })).toBe(101);
    });
  });

  it("without APP_URL, a staff socket from the Host's own origin is accepted (local development)", async () => {
    const signIn = await fetch(`${dev.base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: dev.base },
      body: JSON.stringify({ login: ADMIN.email, password: ADMIN.password }),
    });
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${dev.port}/ws`, { headers: { cookie, origin: dev.base } });
      ws.once("open", () => {
        ws.close();
        resolve(101);
      });
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.once("error", () => resolve(-1));
    });
    expect(status).toBe(101);
  });
});

describe("header building blocks", () => {
  it("a route's own header wins over a default, and defaults fill in the rest, however the head goes out", async () => {
    const server = http.createServer((req, res) => {
      setDefaultHeaders(res, { "Content-Security-Policy": "default-src 'none'", "X-Frame-Options": "DENY" });
      if (req.url === "/own") res.setHeader("Content-Security-Policy", "sandbox");
      if (req.url === "/writehead") return void res.writeHead(200, { "Content-Security-Policy": "sandbox" }).end("x");
      res.end("x");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const plain = await fetch(`${base}/`);
      expect(plain.headers.get("content-security-policy")).toBe("default-src 'none'");
      for (const p of ["/own", "/writehead"]) {
        const res = await fetch(`${base}${p}`);
        expect(res.headers.get("content-security-policy"), p).toBe("sandbox");
        expect(res.headers.get("x-frame-options"), p).toBe("DENY");
      }
    } finally {
      server.close();
    }
  });

  it("connect-src sources: APP_URL's ws origin, else the request's host, else nothing", () => {
    expect(wsSources("https://chat.example.com", "evil.test")).toEqual(["wss://chat.example.com"]);
    expect(wsSources("http://localhost:3000", undefined)).toEqual(["ws://localhost:3000"]);
    expect(wsSources(undefined, "127.0.0.1:3000")).toEqual(["ws://127.0.0.1:3000", "wss://127.0.0.1:3000"]);
    expect(wsSources(undefined, "evil.test; script-src *")).toEqual([]);
    expect(wsSources(undefined, "EVIL.test")).toEqual([]);
    expect(wsSources(undefined, undefined)).toEqual([]);
  });

  it("visitor page paths, as Next will route them", () => {
    expect(visitorSlug(routedPathname("/p/default"))).toBe("default");
    expect(visitorSlug(routedPathname("/p/default/chat?x=1"))).toBe("default");
    expect(visitorSlug(routedPathname("/p/default/"))).toBe("default");
    expect(visitorSlug(routedPathname("/p/%2e%2e/admin"))).toBeNull();
    expect(visitorSlug(routedPathname("/p/a/../../admin"))).toBeNull();
    expect(visitorSlug(routedPathname("/p/default/other"))).toBeNull();
    expect(visitorSlug(routedPathname("/p"))).toBeNull();
    expect(visitorSlug("/p/%E0%A4%A")).toBeNull();
  });

  it("/account (every staff role's own pages) is a staff path with the strict, unframable policy", async () => {
    expect(classifyPath("/account/security")).toBe("staff");
    const { response } = await securityHeadersFor("/account/security", "chat.example.com", { dev: false, appOrigin: undefined, visitorSources: async () => null });
    expect(directive(response["Content-Security-Policy"], "frame-ancestors")).toBe("frame-ancestors 'none'");
    expect(response["X-Frame-Options"]).toBe("DENY");
  });

  it("a page CSP without framers is 'none', and dev adds only 'unsafe-eval'", () => {
    const p = pageCsp({ nonce: "abc", dev: true, connectSrc: [], frameAncestors: [], strictDynamic: false });
    expect(directive(p, "frame-ancestors")).toBe("frame-ancestors 'none'");
    expect(directive(p, "script-src")).toBe("script-src 'self' 'nonce-abc' 'unsafe-eval'");
  });
});

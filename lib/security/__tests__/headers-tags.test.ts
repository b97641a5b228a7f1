import { describe, expect, it } from "vitest";
import { pageCsp, securityHeadersFor, tagSurface, type HeaderOptions, type TagHostsBySurface } from "../headers";

/**
 * Marketing tags and the page CSP (the header building blocks; the real
 * server's headers are headers.test.ts's, the browser's view
 * tests/e2e/marketing-tags.spec.ts's): their hosts are added on the surfaces
 * where the tags run, and only there.
 */
const HOSTS = ["https://*.google-analytics.com", "https://www.googletagmanager.com"];
const directive = (policy: string, name: string) =>
  policy
    .split(";")
    .map((d) => d.trim())
    .find((d) => d === name || d.startsWith(`${name} `)) ?? null;

const opts = (tags: TagHostsBySurface | (() => Promise<TagHostsBySurface>)): HeaderOptions => ({
  dev: false,
  appOrigin: "https://chat.example.com",
  visitorSources: async () => ({ frameAncestors: [], imgSrc: [] }),
  tagHosts: typeof tags === "function" ? tags : async () => tags,
});
const cspFor = async (path: string, o: HeaderOptions) => (await securityHeadersFor(path, "chat.example.com", o)).response["Content-Security-Policy"];

describe("where tags run (tagSurface)", () => {
  it("visitor pages, staff pages, nothing else", () => {
    expect(tagSurface("/p/default")).toBe("visitor");
    expect(tagSurface("/p/default/chat")).toBe("visitor");
    for (const p of ["/admin", "/admin/marketing", "/manager/chats", "/agent", "/qa", "/login", "/account/security"]) expect(tagSurface(p), p).toBe("staff");
    for (const p of ["/api/marketing/tags", "/api/visitor/conversations", "/api", "/", "/no/such/page", "/widget/widget.js", "/p/default/other"]) expect(tagSurface(p), p).toBeNull();
  });
});

describe("the CSP where tags run", () => {
  it("visitor pages: 'strict-dynamic' (a tag manager loads its own scripts) and the tags' hosts for scripts, images, connections and frames", async () => {
    const policy = await cspFor("/p/default", opts({ visitor: HOSTS, staff: null }));
    expect(directive(policy, "script-src")).toMatch(/^script-src 'self' 'nonce-[^']+' 'strict-dynamic' https:\/\/\*\.google-analytics\.com https:\/\/www\.googletagmanager\.com$/);
    expect(directive(policy, "img-src")).toBe(`img-src 'self' data: blob: ${HOSTS.join(" ")}`);
    expect(directive(policy, "connect-src")).toBe(`connect-src 'self' wss://chat.example.com ${HOSTS.join(" ")}`);
    expect(directive(policy, "frame-src")).toBe(`frame-src 'self' ${HOSTS.join(" ")}`);
    // What stays strict.
    expect(directive(policy, "object-src")).toBe("object-src 'none'");
    expect(directive(policy, "base-uri")).toBe("base-uri 'none'");
    expect(directive(policy, "script-src")).not.toContain("unsafe-inline");
    // The chat page too, and the staff pages not.
    expect(directive(await cspFor("/p/default/chat", opts({ visitor: HOSTS, staff: null })), "frame-src")).toBe(`frame-src 'self' ${HOSTS.join(" ")}`);
    const staff = await cspFor("/admin", opts({ visitor: HOSTS, staff: null }));
    expect(staff).not.toContain("googletagmanager");
    expect(directive(staff, "frame-src")).toBeNull();
  });

  it("staff pages only when switched on; API routes never", async () => {
    const on = opts({ visitor: null, staff: HOSTS });
    expect(directive(await cspFor("/agent", on), "script-src")).toContain("'strict-dynamic' https://*.google-analytics.com https://www.googletagmanager.com");
    expect(directive(await cspFor("/login", on), "connect-src")).toContain("https://www.googletagmanager.com");
    expect(await cspFor("/p/default", on)).not.toContain("googletagmanager");
    expect(await cspFor("/api/marketing/tags", opts({ visitor: HOSTS, staff: HOSTS }))).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    expect(await cspFor("/no/such/page", opts({ visitor: HOSTS, staff: HOSTS }))).not.toContain("googletagmanager");
  });

  it("visitor pages are 'strict-dynamic' with or without tags; failing tags add nothing and break nothing", async () => {
    const none = await cspFor("/p/default", opts({ visitor: null, staff: null }));
    expect(directive(none, "script-src")).toMatch(/^script-src 'self' 'nonce-[^']+' 'strict-dynamic'$/);
    expect(directive(none, "frame-src")).toBeNull();
    const failing = await cspFor(
      "/p/default",
      opts(async () => {
        throw new Error("database down");
      }),
    );
    expect(directive(failing, "script-src")).toMatch(/^script-src 'self' 'nonce-[^']+' 'strict-dynamic'$/);
    // Without the option at all (older callers), the same.
    const { tagHosts: _omit, ...without } = opts({ visitor: HOSTS, staff: HOSTS });
    expect(await cspFor("/p/default", without)).not.toContain("googletagmanager");
  });

  it("pageCsp: no tag hosts, no frame-src and nothing appended", () => {
    const base = { nonce: "n", dev: false, connectSrc: [], frameAncestors: [], strictDynamic: true } as const;
    expect(pageCsp({ ...base, tagHosts: [] })).toBe(pageCsp(base));
    expect(directive(pageCsp({ ...base, tagHosts: ["https://a.example.com"] }), "frame-src")).toBe("frame-src 'self' https://a.example.com");
  });
});

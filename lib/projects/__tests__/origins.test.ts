import { describe, expect, it } from "vitest";
import { AllowedOrigins, allowedOriginProblem, canonicalOrigin, entryAsCspSource, isOriginAllowed, originMatches } from "../origins";

const OWN = "https://chat.example.com";
const project = { allowedOrigins: ["https://*.client.com", "https://shop.example.org", "http://localhost:5173"] };

describe("canonicalOrigin: exactly what a browser sends in Origin, nothing a parser would repair", () => {
  it.each([
    "https://shop.example.com",
    "http://localhost:5173",
    "https://shop.example.com:8443",
    "http://127.0.0.1:3000",
    "http://[::1]:3000",
    "https://xn--bcher-kva.de",
    "https://a-b.example.com",
  ])("accepts %s", (v) => {
    expect(canonicalOrigin(v)).toBe(v);
  });

  it.each([
    ["upper case host", "https://Shop.example.com"],
    ["upper case scheme", "HTTPS://shop.example.com"],
    ["a trailing slash", "https://shop.example.com/"],
    ["a path", "https://shop.example.com/x"],
    ["a query", "https://shop.example.com?x"],
    ["a fragment", "https://shop.example.com#x"],
    ["the default port spelled out", "https://shop.example.com:443"],
    ["http's default port spelled out", "http://shop.example.com:80"],
    ["a zero-padded port", "https://shop.example.com:08443"],
    ["port 0", "https://shop.example.com:0"],
    ["an empty port", "https://shop.example.com:"],
    ["userinfo", "https://user@shop.example.com"],
    ["user and password", "https://u:p@shop.example.com"],
    ["a leading space", " https://shop.example.com"],
    ["a trailing space", "https://shop.example.com "],
    ["a trailing newline", "https://shop.example.com\n"],
    ["an embedded tab", "https://shop.exa\tmple.com"],
    ["backslashes", "https:\\\\shop.example.com"],
    ["a backslash after the host", "https://shop.example.com\\"],
    ["a percent-encoded dot", "https://shop%2eexample.com"],
    ["a percent-encoded slash", "https://evil.com%2f.shop.example.com"],
    ["a percent-encoded letter", "https://sh%6fp.example.com"],
    ["an empty label", "https://shop..example.com"],
    ["a leading dot", "https://.shop.example.com"],
    ["a trailing dot", "https://shop.example.com."],
    ["a label starting with a hyphen", "https://-shop.example.com"],
    ["a wildcard (only allowed-origins entries may have one)", "https://*.example.com"],
    ["non-ASCII (the browser sends punycode)", "https://bücher.de"],
    ["a hex IPv4 address", "http://0x7f.0.0.1"],
    ["a shortened IPv4 address", "http://127.1"],
    ["a non-canonical IPv6 address", "http://[0:0::1]"],
    ["another scheme", "ftp://shop.example.com"],
    ["a file URL", "file:///etc/passwd"],
    ["a javascript URL", "javascript:alert(1)"],
    ["an opaque origin", "null"],
    ["a bare host", "shop.example.com"],
    ["nothing", ""],
    ["something huge", `https://${"a.".repeat(200)}com`],
  ])("refuses %s", (_label, v) => {
    expect(canonicalOrigin(v)).toBeNull();
  });
});

describe("allowed origins", () => {
  it("always allows our own origin", () => {
    expect(isOriginAllowed({ allowedOrigins: [] }, OWN, OWN)).toBe(true);
    expect(isOriginAllowed({ allowedOrigins: [] }, "https://other.test", OWN)).toBe(false);
    expect(isOriginAllowed({ allowedOrigins: [] }, OWN, [OWN, "http://localhost:3000"])).toBe(true);
  });

  it("exact entries match scheme, host and port only", () => {
    expect(isOriginAllowed(project, "https://shop.example.org", OWN)).toBe(true);
    expect(isOriginAllowed(project, "http://shop.example.org", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://shop.example.org:8443", OWN)).toBe(false);
    expect(isOriginAllowed(project, "http://localhost:5173", OWN)).toBe(true);
    expect(isOriginAllowed(project, "http://localhost:5174", OWN)).toBe(false);
  });

  it("a non-canonical spelling of an allowed origin is refused, not repaired", () => {
    expect(isOriginAllowed(project, "https://SHOP.example.org", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://shop.example.org:443", OWN)).toBe(false);
    expect(isOriginAllowed(project, " https://shop.example.org", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://shop.example.org.", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https:\\\\shop.example.org", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://a%2eclient.com", OWN)).toBe(false);
    expect(isOriginAllowed({ allowedOrigins: [] }, `${OWN}/`, OWN)).toBe(false);
  });

  it("wildcards match any depth of subdomain, nothing else", () => {
    expect(isOriginAllowed(project, "https://a.client.com", OWN)).toBe(true);
    expect(isOriginAllowed(project, "https://a.b.client.com", OWN)).toBe(true);
    expect(isOriginAllowed(project, "https://client.com", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://client.com.evil.com", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://evilclient.com", OWN)).toBe(false);
    expect(isOriginAllowed(project, "http://a.client.com", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://a.client.com:8443", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://a..client.com", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://.client.com", OWN)).toBe(false);
    expect(originMatches("https://*.client.com:8443", "https://a.client.com:8443")).toBe(true);
    expect(originMatches("https://*.client.com:8443", "https://a.client.com")).toBe(false);
  });

  it("non-canonical or too broad entries match nothing", () => {
    for (const entry of ["https://Shop.example.org", "https://shop.example.org/", "https://*.com", "https://*.", "http://*.127.0.0.1", "https://*.*.client.com", "https://a.*.client.com", " https://*.client.com"]) {
      expect(originMatches(entry, "https://shop.example.org"), entry).toBe(false);
      expect(originMatches(entry, "https://a.client.com"), entry).toBe(false);
      expect(originMatches(entry, "https://a.com"), entry).toBe(false);
    }
  });

  it("refuses missing, opaque and malformed origins", () => {
    expect(isOriginAllowed(project, null, OWN)).toBe(false);
    expect(isOriginAllowed(project, "null", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://a.client.com/path", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://user@a.client.com", OWN)).toBe(false);
    expect(originMatches("https://*.", "https://a.")).toBe(false);
    expect(isOriginAllowed({ allowedOrigins: null as unknown as string[] }, "https://x.test", OWN)).toBe(false);
  });
});

describe("allowed-origins entries as saved", () => {
  it("accepts canonical origins and wildcard subdomains", () => {
    expect(AllowedOrigins.parse(project.allowedOrigins)).toEqual(project.allowedOrigins);
    expect(allowedOriginProblem("https://*.client.com:8443")).toBeNull();
  });

  it("refuses anything non-canonical, suggesting the canonical spelling", () => {
    expect(allowedOriginProblem("https://Shop.example.org/")).toMatch(/Did you mean https:\/\/shop\.example\.org\?/);
    expect(allowedOriginProblem("https://*.Client.com")).toMatch(/Did you mean https:\/\/\*\.client\.com\?/);
    expect(allowedOriginProblem("https://*.com")).not.toBeNull();
    expect(allowedOriginProblem("shop.example.org")).not.toBeNull();
    const r = AllowedOrigins.safeParse(["https://ok.example.org", "https://bad.example.org/path"]);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual([1]);
  });

  it("become CSP sources only when they can't inject anything", () => {
    expect(entryAsCspSource("https://*.client.com")).toBe("https://*.client.com");
    expect(entryAsCspSource("http://localhost:5173")).toBe("http://localhost:5173");
    expect(entryAsCspSource("https://shop.example.org; script-src *")).toBeNull();
    expect(entryAsCspSource("https://a.com https://b.com")).toBeNull();
    // CSP host-sources have no IPv6 literals.
    expect(entryAsCspSource("http://[::1]:3000")).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { isOriginAllowed, originMatches } from "../origins";

const OWN = "https://chat.example.com";
const project = { allowedOrigins: ["https://*.client.com", "https://shop.example.org", "http://localhost:5173"] };

describe("allowed origins", () => {
  it("always allows our own origin", () => {
    expect(isOriginAllowed({ allowedOrigins: [] }, OWN, OWN)).toBe(true);
    expect(isOriginAllowed({ allowedOrigins: [] }, "https://other.test", OWN)).toBe(false);
    expect(isOriginAllowed({ allowedOrigins: [] }, OWN, [OWN, "http://localhost:3000"])).toBe(true);
  });

  it("exact entries match scheme, host and port only", () => {
    expect(isOriginAllowed(project, "https://shop.example.org", OWN)).toBe(true);
    expect(isOriginAllowed(project, "https://SHOP.example.org:443", OWN)).toBe(true);
    expect(isOriginAllowed(project, "http://shop.example.org", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://shop.example.org:8443", OWN)).toBe(false);
    expect(isOriginAllowed(project, "http://localhost:5173", OWN)).toBe(true);
    expect(isOriginAllowed(project, "http://localhost:5174", OWN)).toBe(false);
  });

  it("wildcards match any depth of subdomain, nothing else", () => {
    expect(isOriginAllowed(project, "https://a.client.com", OWN)).toBe(true);
    expect(isOriginAllowed(project, "https://a.b.client.com", OWN)).toBe(true);
    expect(isOriginAllowed(project, "https://client.com", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://client.com.evil.com", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://evilclient.com", OWN)).toBe(false);
    expect(isOriginAllowed(project, "http://a.client.com", OWN)).toBe(false);
    expect(isOriginAllowed(project, "https://a.client.com:8443", OWN)).toBe(false);
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

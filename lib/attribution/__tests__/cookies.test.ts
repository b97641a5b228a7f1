import { describe, expect, it } from "vitest";
import { AttributionInput, buildAttribution, NO_GEO } from "../index";
import { gaClientIdFromCookie, gaSessionIdFromCookie, parseFbc, parseFbp } from "../cookies";

describe("ad-platform cookies", () => {
  it("reads the GA4 client id from _ga", () => {
    expect(gaClientIdFromCookie("GA1.1.123456789.1700000000")).toBe("123456789.1700000000");
    // A cookie set on a deeper domain keeps the same client id.
    expect(gaClientIdFromCookie("GA1.2.987.654")).toBe("987.654");
    for (const bad of ["GA1.1.abc.123", "123.456", "GA1.1.123", "", "GA1.1.1.2.3", 42, null]) expect(gaClientIdFromCookie(bad)).toBeNull();
  });

  it("reads the session id from _ga_<id>, in the GS1 and the newer GS2 format", () => {
    expect(gaSessionIdFromCookie("GS1.1.1700000000.5.1.1700000100.0.0.0")).toBe("1700000000");
    expect(gaSessionIdFromCookie("GS2.1.s1700000000$o5$g1$t1700000100$j60$l0$h0")).toBe("1700000000");
    expect(gaSessionIdFromCookie("GS2.1.s1712345678")).toBe("1712345678");
    for (const bad of ["GS1.1.abc.1", "GS2.1.1700000000$o5", "GS3.1.s1$o1", "nonsense", "", undefined]) expect(gaSessionIdFromCookie(bad)).toBeNull();
  });

  it("keeps well-formed _fbp and _fbc and drops anything else", () => {
    expect(parseFbp("fb.1.1596403881668.1116446470")).toBe("fb.1.1596403881668.1116446470");
    expect(parseFbc("fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890")).toBe("fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890");
    for (const bad of ["fb.1.x.1", "fb.9.1596403881668.1", "<script>", "fb.1.1596403881668.", "x".repeat(600)]) {
      expect(parseFbp(bad)).toBeNull();
      expect(parseFbc(bad)).toBeNull();
    }
  });

  it("stores what is valid with the attribution and never stops a chat for what isn't", () => {
    const input = AttributionInput.parse({
      landingUrl: "https://shop.example/p?fbclid=IwAR123&utm_source=fb",
      fbp: "fb.1.1596403881668.1116446470",
      fbc: "not a cookie",
      ga: "GA1.1.111.222",
      gaSession: "GS2.1.s1700000000$o1$g0$t1700000000$j60$l0$h0",
    });
    const row = buildAttribution({ input, userAgent: null, acceptLanguage: null, ip: "203.0.113.1", geo: NO_GEO, returning: false });
    expect(row).toMatchObject({ fbp: "fb.1.1596403881668.1116446470", fbc: null, gaClientId: "111.222", gaSessionId: "1700000000", fbclid: "IwAR123" });
    // A non-string cookie value is dropped by the input itself.
    expect(AttributionInput.parse({ fbp: 12, ga: { a: 1 } })).toEqual({});
  });
});

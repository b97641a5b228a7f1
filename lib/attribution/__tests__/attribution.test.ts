import { describe, expect, it } from "vitest";
import { AttributionInput, buildAttribution, languageFromHeader, MAX_TIME_ON_PAGE_MS, NO_GEO } from "../index";

const UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";

describe("attribution input", () => {
  it("drops each bad field and keeps the rest", () => {
    const parsed = AttributionInput.parse({
      landingUrl: 42,
      referrer: "https://www.google.com/",
      utmSource: "x".repeat(5000),
      language: "en-GB; DROP TABLE",
      connectionType: "4g",
      timeOnPageMs: "soon",
      hadToken: "yes",
    });
    expect(parsed).toEqual({ referrer: "https://www.google.com/", connectionType: "4g" });
  });

  it("clamps time on page to a sane range", () => {
    expect(AttributionInput.parse({ timeOnPageMs: -50 }).timeOnPageMs).toBe(0);
    expect(AttributionInput.parse({ timeOnPageMs: 1234.6 }).timeOnPageMs).toBe(1235);
    expect(AttributionInput.parse({ timeOnPageMs: 1e15 }).timeOnPageMs).toBe(MAX_TIME_ON_PAGE_MS);
    expect(AttributionInput.parse({ timeOnPageMs: Number.NaN }).timeOnPageMs).toBeUndefined();
  });

  it("a non-object is no attribution at all", () => {
    expect(AttributionInput.parse("hello")).toEqual({});
    expect(AttributionInput.parse(null)).toEqual({});
  });
});

describe("buildAttribution", () => {
  it("combines client claims, User-Agent, language and geo", () => {
    const row = buildAttribution({
      input: AttributionInput.parse({
        landingUrl: "https://chat.example.com/p/default?utm_source=meta&utm_campaign=q1&gclid=x",
        referrer: "https://m.facebook.com/",
        connectionType: "4G",
        timeOnPageMs: 8300,
        hadToken: false,
      }),
      userAgent: UA,
      acceptLanguage: "hi-IN,hi;q=0.9,en;q=0.8",
      ip: "203.0.113.7",
      geo: { geoCity: "Mumbai", geoRegion: "Maharashtra", geoCountry: "IN" },
      returning: false,
    });
    expect(row).toMatchObject({
      utmSource: "meta",
      utmCampaign: "q1",
      gclid: "x",
      referrer: "https://m.facebook.com/",
      landingUrl: "https://chat.example.com/p/default?utm_source=meta&utm_campaign=q1&gclid=x",
      sourceDomain: "m.facebook.com",
      deviceType: "mobile",
      os: "iOS",
      browser: "Mobile Safari",
      deviceBrand: "Apple",
      language: "hi-IN",
      connectionType: "4g",
      geoCity: "Mumbai",
      geoCountry: "IN",
      timeOnPageMs: 8300,
      returning: false,
      ip: "203.0.113.7",
      userAgent: UA,
    });
  });

  it("prefers navigator.language, and marks a browser that held a token as returning", () => {
    const row = buildAttribution({
      input: AttributionInput.parse({ language: "de-DE", hadToken: true }),
      userAgent: null,
      acceptLanguage: "en-US",
      ip: "",
      geo: NO_GEO,
      returning: false,
    });
    expect(row.language).toBe("de-DE");
    expect(row.returning).toBe(true);
    expect(row.deviceType).toBeNull();
    expect(row.landingUrl).toBeNull();
    expect(row.ip).toBeNull();
  });

  it("reads the first Accept-Language tag", () => {
    expect(languageFromHeader("fr-CA,fr;q=0.9")).toBe("fr-CA");
    expect(languageFromHeader("*")).toBeNull();
    expect(languageFromHeader(null)).toBeNull();
  });
});

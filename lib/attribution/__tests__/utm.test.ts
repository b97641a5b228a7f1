import { describe, expect, it } from "vitest";
import { extractCampaign, hostOf, parseHttpUrl, sourceDomain } from "../utm";

describe("campaign extraction", () => {
  it("reads UTM, gclid and fbclid from a landing path", () => {
    const c = extractCampaign({ landingUrl: "/p/default?utm_source=meta&utm_campaign=q1&gclid=x" });
    expect(c).toEqual({
      utmSource: "meta",
      utmMedium: null,
      utmCampaign: "q1",
      utmTerm: null,
      utmContent: null,
      gclid: "x",
      fbclid: null,
    });
  });

  it("reads every parameter from an absolute URL, decoding them", () => {
    const c = extractCampaign({
      landingUrl:
        "https://chat.example.com/p/acme?utm_source=google&utm_medium=cpc&utm_campaign=spring%20sale&utm_term=red+shoes&utm_content=ad-2&fbclid=IwAR0abc",
    });
    expect(c.utmSource).toBe("google");
    expect(c.utmMedium).toBe("cpc");
    expect(c.utmCampaign).toBe("spring sale");
    expect(c.utmTerm).toBe("red shoes");
    expect(c.utmContent).toBe("ad-2");
    expect(c.fbclid).toBe("IwAR0abc");
    expect(c.gclid).toBeNull();
  });

  it("prefers values given directly over the URL's", () => {
    const c = extractCampaign({ landingUrl: "https://x.test/?utm_source=url&gclid=fromurl", utmSource: "direct", fbclid: "fb1" });
    expect(c.utmSource).toBe("direct");
    expect(c.gclid).toBe("fromurl");
    expect(c.fbclid).toBe("fb1");
  });

  it("caps long values and ignores empty ones", () => {
    const c = extractCampaign({ landingUrl: `https://x.test/?utm_source=${"a".repeat(500)}&utm_medium=%20%20`, gclid: "g".repeat(900) });
    expect(c.utmSource).toHaveLength(200);
    expect(c.utmMedium).toBeNull();
    expect(c.gclid).toHaveLength(500);
  });

  it("survives a landing URL that is not a URL", () => {
    expect(extractCampaign({ landingUrl: "http://[not a url" }).utmSource).toBeNull();
    expect(extractCampaign({ landingUrl: "javascript:alert(1)?utm_source=x" }).utmSource).toBeNull();
  });
});

describe("source domain", () => {
  it("is the referrer's host, else the landing host", () => {
    expect(sourceDomain("https://www.Google.com/search?q=x", "https://chat.example.com/p/a")).toBe("www.google.com");
    expect(sourceDomain(null, "https://chat.example.com:8443/p/a")).toBe("chat.example.com");
    expect(sourceDomain("android-app://com.google/", "https://chat.example.com/p/a")).toBe("chat.example.com");
    expect(sourceDomain("", "")).toBeNull();
  });

  it("accepts only http(s) URLs", () => {
    expect(parseHttpUrl("ftp://x.test/")).toBeNull();
    expect(parseHttpUrl("data:text/html,hi")).toBeNull();
    expect(hostOf("https://m.facebook.com/")).toBe("m.facebook.com");
  });
});

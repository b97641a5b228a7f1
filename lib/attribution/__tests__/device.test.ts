import { describe, expect, it } from "vitest";
import { parseUserAgent } from "../device";

const IPHONE_SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
const ANDROID_CHROME =
  "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36";
const DESKTOP_CHROME =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const IPAD_DESKTOP_MODE =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15";

describe("user agent parsing", () => {
  it("iPhone Safari", () => {
    expect(parseUserAgent(IPHONE_SAFARI)).toEqual({
      deviceType: "mobile",
      os: "iOS",
      osVersion: "17.2",
      browser: "Mobile Safari",
      browserVersion: "17.2",
      deviceBrand: "Apple",
    });
  });

  it("Android Chrome", () => {
    expect(parseUserAgent(ANDROID_CHROME)).toEqual({
      deviceType: "mobile",
      os: "Android",
      osVersion: "14",
      browser: "Chrome",
      browserVersion: "120.0.6099.144",
      deviceBrand: "Samsung",
    });
  });

  it("desktop Chrome", () => {
    expect(parseUserAgent(DESKTOP_CHROME)).toEqual({
      deviceType: "desktop",
      os: "Windows",
      osVersion: "10",
      browser: "Chrome",
      browserVersion: "120.0.0.0",
      deviceBrand: null,
    });
  });

  it("an iPad in desktop mode is a tablet once the browser reports touch points", () => {
    expect(parseUserAgent(IPAD_DESKTOP_MODE).deviceType).toBe("desktop");
    const ipad = parseUserAgent(IPAD_DESKTOP_MODE, { touchPoints: 5 });
    expect(ipad.deviceType).toBe("tablet");
    expect(ipad.deviceBrand).toBe("Apple");
  });

  it("garbage and oversized input don't throw", () => {
    expect(parseUserAgent("").deviceType).toBe("desktop");
    expect(parseUserAgent(null).os).toBeNull();
    expect(parseUserAgent("x".repeat(100_000)).browser).toBeNull();
  });
});

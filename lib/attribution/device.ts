import { UAParser } from "ua-parser-js";
import { clean, MAX } from "./limits";

export type DeviceType = "mobile" | "tablet" | "desktop";

export type Device = {
  deviceType: DeviceType;
  os: string | null;
  osVersion: string | null;
  browser: string | null;
  browserVersion: string | null;
  deviceBrand: string | null;
};

/**
 * Device, OS and browser from a User-Agent (ua-parser-js 1.x: MIT; 2.x is
 * AGPL). `touchPoints` is the client's `navigator.maxTouchPoints`: iPadOS
 * reports a desktop Mac UA, and a touch screen is the only tell.
 */
export function parseUserAgent(userAgent: string | null | undefined, hints: { touchPoints?: number } = {}): Device {
  const ua = (userAgent ?? "").slice(0, MAX.userAgent);
  const r = new UAParser(ua).getResult();
  let deviceType: DeviceType =
    r.device.type === "tablet" ? "tablet" : r.device.type === "mobile" || r.device.type === "wearable" ? "mobile" : "desktop";
  let deviceBrand = clean(r.device.vendor, MAX.short);
  if (deviceType === "desktop" && r.os.name === "Mac OS" && (hints.touchPoints ?? 0) > 1) {
    deviceType = "tablet";
    deviceBrand = "Apple";
  }
  return {
    deviceType,
    os: clean(r.os.name, MAX.short),
    osVersion: clean(r.os.version, MAX.short),
    browser: clean(r.browser.name, MAX.short),
    browserVersion: clean(r.browser.version, MAX.short),
    deviceBrand,
  };
}

import { z } from "zod";
import type { visitorAttributions } from "../../db/schema";
import { gaClientIdFromCookie, gaSessionIdFromCookie, parseFbc, parseFbp } from "./cookies";
import { parseUserAgent } from "./device";
import type { Geo } from "./geo";
import { clean, MAX } from "./limits";
import { extractCampaign, parseHttpUrl, sourceDomain } from "./utm";

export { gaClientIdFromCookie, gaSessionIdFromCookie, parseFbc, parseFbp } from "./cookies";
export { parseUserAgent, type Device, type DeviceType } from "./device";
export { geoFromHeaders, geoFromCityRecord, geoFromDb, openGeoDb, resolveGeo, NO_GEO, type Geo } from "./geo";
export { extractCampaign, hostOf, parseHttpUrl, sourceDomain, type Campaign } from "./utm";

const NO_DEVICE = { deviceType: null, os: null, osVersion: null, browser: null, browserVersion: null, deviceBrand: null };

/** 24 h: a tab left open longer than that says nothing about intent. */
export const MAX_TIME_ON_PAGE_MS = 24 * 3600 * 1000;

// Each field drops itself when invalid (`.catch(undefined)`): bad attribution
// must never stop a chat from starting.
const optionalText = (max: number) => z.string().max(max).optional().catch(undefined);
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

/** What the visitor's browser reports about itself at chat start. */
export const AttributionInput = z
  .object({
    landingUrl: optionalText(MAX.url),
    referrer: optionalText(MAX.url),
    utmSource: optionalText(MAX.utm),
    utmMedium: optionalText(MAX.utm),
    utmCampaign: optionalText(MAX.utm),
    utmTerm: optionalText(MAX.utm),
    utmContent: optionalText(MAX.utm),
    gclid: optionalText(MAX.clickId),
    fbclid: optionalText(MAX.clickId),
    /** Raw ad-platform cookies (lib/attribution/cookies.ts validates them): Meta's `_fbp` and `_fbc`, Google's `_ga` and the first `_ga_<id>`. */
    fbp: optionalText(MAX.clickId),
    fbc: optionalText(MAX.clickId),
    ga: optionalText(MAX.clickId),
    gaSession: optionalText(MAX.clickId),
    /** navigator.language */
    language: z.string().max(35).regex(LANGUAGE).optional().catch(undefined),
    /** navigator.connection.effectiveType ("4g", "3g", …) where the browser has it. */
    connectionType: z.string().max(20).regex(/^[a-z0-9-]+$/i).optional().catch(undefined),
    /** ms from page load to "Start chat"; clamped rather than refused. */
    timeOnPageMs: z
      .number()
      .finite()
      .transform((n) => Math.round(Math.min(Math.max(n, 0), MAX_TIME_ON_PAGE_MS)))
      .optional()
      .catch(undefined),
    /** The browser already held a token for this project. */
    hadToken: z.boolean().optional().catch(undefined),
    /** navigator.maxTouchPoints (tells an iPad from a Mac). */
    touchPoints: z.number().int().min(0).max(64).optional().catch(undefined),
  })
  .catch({});
export type AttributionInput = z.infer<typeof AttributionInput>;

/** First language tag of an Accept-Language header. */
export function languageFromHeader(acceptLanguage: string | null | undefined): string | null {
  if (!acceptLanguage) return null;
  const first = acceptLanguage.split(",")[0]?.split(";")[0]?.trim() ?? "";
  return first && first.length <= 35 && LANGUAGE.test(first) ? first : null;
}

export type AttributionRow = Omit<typeof visitorAttributions.$inferInsert, "id" | "visitorId" | "createdAt">;

/**
 * Everything stored about where a chat came from. Pure: the caller resolves
 * geo (headers/database) and passes the request's User-Agent and
 * Accept-Language; the client's claims arrive already filtered by
 * `AttributionInput`.
 */
export function buildAttribution(a: {
  input: AttributionInput;
  userAgent: string | null;
  acceptLanguage: string | null;
  ip: string;
  geo: Geo;
  returning: boolean;
}): AttributionRow {
  const input = a.input ?? {};
  const landing = parseHttpUrl(input.landingUrl ?? null);
  const referrer = parseHttpUrl(input.referrer ?? null);
  const landingUrl = landing ? clean(landing.href, MAX.url) : null;
  const referrerUrl = referrer ? clean(referrer.href, MAX.url) : null;
  return {
    ...extractCampaign({ ...input, landingUrl: input.landingUrl }),
    fbp: parseFbp(input.fbp),
    fbc: parseFbc(input.fbc),
    gaClientId: gaClientIdFromCookie(input.ga),
    gaSessionId: gaSessionIdFromCookie(input.gaSession),
    referrer: referrerUrl,
    landingUrl,
    sourceDomain: sourceDomain(referrerUrl, landingUrl),
    ...(a.userAgent ? parseUserAgent(a.userAgent, { touchPoints: input.touchPoints }) : NO_DEVICE),
    language: input.language ?? languageFromHeader(a.acceptLanguage),
    connectionType: input.connectionType ? input.connectionType.toLowerCase() : null,
    ...a.geo,
    timeOnPageMs: input.timeOnPageMs ?? null,
    returning: a.returning || input.hadToken === true,
    ip: clean(a.ip, MAX.short),
    userAgent: clean(a.userAgent, MAX.userAgent),
  };
}

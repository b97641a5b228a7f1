import fs from "node:fs/promises";
import net from "node:net";
import { Reader, type CityResponse } from "mmdb-lib";
import { logger } from "../logger";
import { singleton } from "../singleton";
import { clean, MAX } from "./limits";

export type Geo = { geoCity: string | null; geoRegion: string | null; geoCountry: string | null };

export const NO_GEO: Geo = { geoCity: null, geoRegion: null, geoCountry: null };

type HeaderSource = { get(name: string): string | null };

/**
 * Proxies send header bytes as-is and Node reads them as latin1, so
 * "München" from Cloudflare arrives as "MÃ¼nchen". Re-decode when the bytes
 * form valid UTF-8; otherwise keep what we got.
 */
function fixLatin1(v: string): string {
  if (!/[\u0080-\u00ff]/.test(v) || /[^\u0000-\u00ff]/.test(v)) return v;
  const utf8 = Buffer.from(v, "latin1").toString("utf8");
  return utf8.includes("\ufffd") ? v : utf8;
}

function headerValue(h: HeaderSource, name: string): string | null {
  const raw = h.get(name);
  if (raw == null) return null;
  let v = fixLatin1(raw);
  // Some proxies URL-encode non-ASCII place names.
  if (/%[0-9A-Fa-f]{2}/.test(v)) {
    try {
      v = decodeURIComponent(v);
    } catch {
      /* keep as sent */
    }
  }
  return clean(v, MAX.geo);
}

/** ISO 3166-1 alpha-2, upper-case; Cloudflare's "XX" (unknown) and "T1" (Tor) are not countries. */
function countryCode(v: string | null): string | null {
  if (!v) return null;
  const c = v.toUpperCase();
  return /^[A-Z]{2}$/.test(c) && c !== "XX" && c !== "T1" ? c : null;
}

/**
 * Geo from headers set by a proxy in front of us (Cloudflare `cf-ip*`, or a
 * generic `x-geo-*`). Only when TRUST_PROXY says there is such a proxy:
 * otherwise the headers come straight from the visitor and mean nothing.
 */
export function geoFromHeaders(headers: HeaderSource, trusted: boolean): Geo {
  if (!trusted) return NO_GEO;
  return {
    geoCountry: countryCode(headerValue(headers, "cf-ipcountry") ?? headerValue(headers, "x-geo-country")),
    geoRegion: headerValue(headers, "cf-region") ?? headerValue(headers, "x-geo-region"),
    geoCity: headerValue(headers, "cf-ipcity") ?? headerValue(headers, "x-geo-city"),
  };
}

/** A GeoLite2/GeoIP2 City record → our three fields (English names). */
export function geoFromCityRecord(rec: CityResponse | null | undefined): Geo {
  if (!rec) return NO_GEO;
  const sub = rec.subdivisions?.[0];
  return {
    geoCity: clean(rec.city?.names?.en, MAX.geo),
    geoRegion: clean(sub?.names?.en ?? sub?.iso_code, MAX.geo),
    geoCountry: countryCode(rec.country?.iso_code ?? rec.registered_country?.iso_code ?? null),
  };
}

type ReaderSlot = { path: string; reader: Promise<Reader<CityResponse> | null> };

/**
 * The .mmdb file, read once per process and kept on globalThis (a City
 * database is ~60 MB; server.ts and Next's copy must not each hold one).
 * A missing or corrupt file logs once and disables the lookup.
 */
export function openGeoDb(path: string): Promise<Reader<CityResponse> | null> {
  const slot = singleton<{ current?: ReaderSlot }>("geoip-reader", () => ({}));
  if (slot.current?.path !== path) {
    const reader = fs.readFile(path).then(
      (buf) => new Reader<CityResponse>(buf),
      (err: unknown) => {
        logger.warn({ err, path }, "GEOIP_DB could not be opened; geo lookups disabled");
        return null;
      },
    ).catch((err: unknown) => {
      logger.warn({ err, path }, "GEOIP_DB is not a valid MaxMind database; geo lookups disabled");
      return null;
    });
    slot.current = { path, reader };
  }
  return slot.current.reader;
}

/** Look an IP up in the local database. Never a network call. */
export async function geoFromDb(ip: string, path: string | undefined): Promise<Geo> {
  // mmdb-lib reads any string as some address: only real IPs are looked up.
  if (!path || net.isIP(ip) === 0) return NO_GEO;
  const reader = await openGeoDb(path);
  if (!reader) return NO_GEO;
  try {
    return geoFromCityRecord(reader.get(ip));
  } catch {
    // Not an IP address mmdb-lib understands.
    return NO_GEO;
  }
}

/**
 * Headers from a trusted proxy first; the local database fills whatever they
 * left empty.
 */
export async function resolveGeo(opts: {
  headers: HeaderSource;
  ip: string;
  trustProxy: { hops: number; addresses: string[] };
  geoipDb: string | undefined;
}): Promise<Geo> {
  const trusted = opts.trustProxy.hops > 0 || opts.trustProxy.addresses.length > 0;
  const fromHeaders = geoFromHeaders(opts.headers, trusted);
  if (fromHeaders.geoCountry && fromHeaders.geoRegion && fromHeaders.geoCity) return fromHeaders;
  const fromDb = await geoFromDb(opts.ip, opts.geoipDb);
  return {
    geoCity: fromHeaders.geoCity ?? fromDb.geoCity,
    geoRegion: fromHeaders.geoRegion ?? fromDb.geoRegion,
    geoCountry: fromHeaders.geoCountry ?? fromDb.geoCountry,
  };
}

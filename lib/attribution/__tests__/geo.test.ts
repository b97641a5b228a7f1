import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { geoFromCityRecord, geoFromDb, geoFromHeaders, resolveGeo } from "../geo";
import { buildCityMmdb } from "./mmdb-fixture";

const NO_TRUST = { hops: 0, addresses: [] };
const ONE_HOP = { hops: 1, addresses: [] };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "occ-geo-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cf = new Headers({ "cf-ipcountry": "in", "cf-ipcity": "Mumbai", "cf-region": "Maharashtra" });

describe("geo from proxy headers", () => {
  it("is ignored unless a proxy is trusted", async () => {
    expect(geoFromHeaders(cf, false)).toEqual({ geoCity: null, geoRegion: null, geoCountry: null });
    expect(await resolveGeo({ headers: cf, ip: "203.0.113.9", trustProxy: NO_TRUST, geoipDb: undefined })).toEqual({
      geoCity: null,
      geoRegion: null,
      geoCountry: null,
    });
  });

  it("reads Cloudflare headers when TRUST_PROXY is configured (hops or addresses)", async () => {
    const want = { geoCity: "Mumbai", geoRegion: "Maharashtra", geoCountry: "IN" };
    expect(await resolveGeo({ headers: cf, ip: "203.0.113.9", trustProxy: ONE_HOP, geoipDb: undefined })).toEqual(want);
    expect(await resolveGeo({ headers: cf, ip: "203.0.113.9", trustProxy: { hops: 0, addresses: ["10.0.0.0/8"] }, geoipDb: undefined })).toEqual(want);
  });

  it("reads the generic x-geo-* headers", () => {
    const h = new Headers({ "x-geo-country": "GB", "x-geo-region": "England", "x-geo-city": "London" });
    expect(geoFromHeaders(h, true)).toEqual({ geoCity: "London", geoRegion: "England", geoCountry: "GB" });
  });

  it("drops non-countries and repairs UTF-8 sent as latin1 or percent-encoded", () => {
    const latin1 = Buffer.from("München", "utf8").toString("latin1");
    const h = { get: (n: string) => ({ "cf-ipcountry": "XX", "cf-ipcity": latin1, "x-geo-region": "Bayern%20%C3%BC" } as Record<string, string>)[n] ?? null };
    expect(geoFromHeaders(h, true)).toEqual({ geoCity: "München", geoRegion: "Bayern ü", geoCountry: null });
  });
});

describe("geo from a local MaxMind database", () => {
  const file = path.join(tmp, "city.mmdb");
  fs.writeFileSync(
    file,
    buildCityMmdb({
      city: { names: { en: "München", de: "München" } },
      country: { iso_code: "DE", names: { en: "Germany" } },
      subdivisions: [{ iso_code: "BY", names: { en: "Bavaria" } }],
    }),
  );

  it("maps a City record", () => {
    expect(geoFromCityRecord({ city: { geoname_id: 1, names: { en: "Pune" } }, subdivisions: [{ geoname_id: 2, iso_code: "MH", names: { en: "Maharashtra" } }], country: { geoname_id: 3, iso_code: "IN", names: { en: "India" } } } as never)).toEqual({
      geoCity: "Pune",
      geoRegion: "Maharashtra",
      geoCountry: "IN",
    });
    expect(geoFromCityRecord(null)).toEqual({ geoCity: null, geoRegion: null, geoCountry: null });
  });

  it("looks an address up in the file, without any network", async () => {
    expect(await geoFromDb("2.125.160.216", file)).toEqual({ geoCity: "München", geoRegion: "Bavaria", geoCountry: "DE" });
    expect(await geoFromDb("203.0.113.1", file)).toEqual({ geoCity: null, geoRegion: null, geoCountry: null });
    expect(await geoFromDb("not-an-ip", file)).toEqual({ geoCity: null, geoRegion: null, geoCountry: null });
  });

  it("fills what trusted headers left empty, and is used without trust", async () => {
    const onlyCountry = new Headers({ "cf-ipcountry": "AT" });
    expect(await resolveGeo({ headers: onlyCountry, ip: "2.125.160.216", trustProxy: ONE_HOP, geoipDb: file })).toEqual({
      geoCity: "München",
      geoRegion: "Bavaria",
      geoCountry: "AT",
    });
    expect(await resolveGeo({ headers: onlyCountry, ip: "2.125.160.216", trustProxy: NO_TRUST, geoipDb: file })).toEqual({
      geoCity: "München",
      geoRegion: "Bavaria",
      geoCountry: "DE",
    });
  });

  it("a missing or corrupt file disables lookups instead of failing", async () => {
    const bad = path.join(tmp, "bad.mmdb");
    fs.writeFileSync(bad, "not a database");
    expect(await geoFromDb("2.125.160.216", bad)).toEqual({ geoCity: null, geoRegion: null, geoCountry: null });
    expect(await geoFromDb("2.125.160.216", path.join(tmp, "missing.mmdb"))).toEqual({ geoCity: null, geoRegion: null, geoCountry: null });
  });
});

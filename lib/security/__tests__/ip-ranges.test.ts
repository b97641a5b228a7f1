import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { describeError, isAppError } from "../../errors";
import { IpMatcher, isSingleClient, parseIpRange, rangesOverlap } from "../client-ip";

/** Addresses and CIDR ranges typed by staff (manual blocks, allow-list), and the per-request matcher. */

const refusal = (input: string) => {
  try {
    parseIpRange(input);
  } catch (err) {
    return { code: isAppError(err) ? err.code : "not-an-app-error", status: describeError(err).status, message: (err as Error).message };
  }
  return null;
};

describe("parseIpRange: what it accepts, in canonical form", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7", 32],
    [" 203.0.113.7 ", "203.0.113.7", 32],
    ["203.0.113.7/32", "203.0.113.7", 32],
    ["198.51.100.0/24", "198.51.100.0/24", 24],
    ["10.0.0.0/8", "10.0.0.0/8", 8],
    ["2001:db8::1", "2001:db8::1", 128],
    ["2001:0DB8:0000:0000::0001", "2001:db8::1", 128],
    ["[2001:db8::1]", "2001:db8::1", 128],
    ["2001:db8:1:2::/64", "2001:db8:1:2::/64", 64],
    ["2001:db8:1::/48", "2001:db8:1::/48", 48],
    ["2001:db8::/32", "2001:db8::/32", 32],
    // IPv4-mapped IPv6 is the IPv4 client it carries, in either spelling.
    ["::ffff:192.0.2.7", "192.0.2.7", 32],
    ["::ffff:c000:207", "192.0.2.7", 32],
    ["::ffff:192.0.2.0/120", "192.0.2.0/24", 24],
  ])("%s → %s", (input, text, bits) => {
    const r = parseIpRange(input);
    expect(r.text).toBe(text);
    expect(r.bits).toBe(bits);
  });
});

describe("parseIpRange: what it refuses, with a clear 400", () => {
  it.each([
    ["", /enter an ip/i],
    ["   ", /enter an ip/i],
    ["not-an-ip", /not an ip address/i],
    ["203.0.113", /not an ip address/i],
    ["203.0.113.256", /not an ip address/i],
    ["127.1", /not an ip address/i],
    ["0x7f.0.0.1", /not an ip address/i],
    ["010.0.0.1", /not an ip address/i],
    ["203.0.113.7/33", /not a valid prefix/i],
    ["203.0.113.0/-1", /not an ip address/i],
    ["203.0.113.0/", /not an ip address/i],
    ["203.0.113.0/24/8", /not an ip address/i],
    ["2001:db8::1/129", /not a valid prefix/i],
    ["2001:db8:::1", /not an ip address/i],
    ["fe80::1%eth0", /not an ip address/i],
    ["203.0.113.7 198.51.100.1", /not an ip address/i],
    ["x".repeat(100), /not an ip address/i],
    // Absurd ranges: the whole internet, or anything wider than /8 (IPv4) or /32 (IPv6).
    ["0.0.0.0/0", /too wide/i],
    ["::/0", /too wide/i],
    ["10.0.0.0/7", /too wide/i],
    ["128.0.0.0/1", /too wide/i],
    ["2001:db8::/31", /too wide/i],
    ["2000::/3", /too wide/i],
    ["::ffff:0.0.0.0/96", /too wide/i],
    // Host bits after the prefix: a typo that would block far more than meant.
    ["203.0.113.5/24", /203\.0\.113\.0\/24/],
    ["2001:db8:1:2::5/64", /2001:db8:1:2::\/64/],
  ])("%j", (input, message) => {
    const r = refusal(input);
    expect(r).not.toBeNull();
    expect(r!.code).toBe("bad_request");
    expect(r!.status).toBe(400);
    expect(r!.message).toMatch(message);
  });

  it("says which field was wrong", () => {
    try {
      parseIpRange("0.0.0.0/0");
    } catch (err) {
      expect(describeError(err).body.error.fields).toEqual({ address: expect.stringMatching(/too wide/i) });
    }
  });

  it("lenient (rows already stored): no width limit, host bits masked", () => {
    expect(parseIpRange("0.0.0.0/0", { lenient: true }).text).toBe("0.0.0.0/0");
    expect(parseIpRange("203.0.113.5/24", { lenient: true }).text).toBe("203.0.113.0/24");
    // The format strikeSubject writes for an IPv6 /64.
    expect(parseIpRange("0:0:0:0::/64", { lenient: true }).text).toBe("::/64");
    expect(() => parseIpRange("garbage", { lenient: true })).toThrow();
  });
});

describe("ranges", () => {
  it("a single client is one address or an IPv6 /64", () => {
    expect(isSingleClient(parseIpRange("203.0.113.7"))).toBe(true);
    expect(isSingleClient(parseIpRange("2001:db8::7"))).toBe(true);
    expect(isSingleClient(parseIpRange("2001:db8:1:2::/64"))).toBe(true);
    expect(isSingleClient(parseIpRange("203.0.113.0/24"))).toBe(false);
    expect(isSingleClient(parseIpRange("203.0.113.0/31"))).toBe(false);
    expect(isSingleClient(parseIpRange("2001:db8:1::/48"))).toBe(false);
  });

  it("overlap: nested either way, disjoint, and never across families", () => {
    const r = (s: string) => parseIpRange(s);
    expect(rangesOverlap(r("203.0.113.0/24"), r("203.0.113.7"))).toBe(true);
    expect(rangesOverlap(r("203.0.113.7"), r("203.0.113.0/24"))).toBe(true);
    expect(rangesOverlap(r("203.0.113.0/24"), r("203.0.112.0/20"))).toBe(true);
    expect(rangesOverlap(r("203.0.113.0/24"), r("203.0.114.0/24"))).toBe(false);
    expect(rangesOverlap(r("2001:db8:1::/48"), r("2001:db8:1:2::/64"))).toBe(true);
    expect(rangesOverlap(r("2001:db8:1::/48"), r("2001:db8:2::1"))).toBe(false);
    expect(rangesOverlap(r("::ffff:192.0.2.7"), r("192.0.2.0/24"))).toBe(true);
    expect(rangesOverlap(r("192.0.2.0/24"), r("2001:db8::/32"))).toBe(false);
  });
});

describe("IpMatcher", () => {
  const matcher = (...entries: string[]) => {
    const m = new IpMatcher();
    for (const e of entries) m.add(parseIpRange(e, { lenient: true }));
    return m;
  };

  it("empty matches nothing, garbage never matches", () => {
    const m = matcher();
    expect(m.has("203.0.113.7")).toBe(false);
    const n = matcher("203.0.113.7", "2001:db8::/32");
    expect(n.has("")).toBe(false);
    expect(n.has("garbage")).toBe(false);
    expect(n.has("203.0.113")).toBe(false);
  });

  it("single IPv4 addresses, in either notation, and nothing next to them", () => {
    const m = matcher("203.0.113.7");
    expect(m.has("203.0.113.7")).toBe(true);
    expect(m.has("::ffff:203.0.113.7")).toBe(true);
    expect(m.has("::ffff:cb00:7107")).toBe(true);
    expect(m.has("203.0.113.8")).toBe(false);
    expect(m.has("203.0.113.70")).toBe(false);
  });

  it("IPv4 CIDRs, edges included", () => {
    const m = matcher("198.51.100.0/24", "10.0.0.0/8", "192.0.2.128/25");
    for (const ip of ["198.51.100.0", "198.51.100.255", "10.255.255.255", "10.0.0.1", "192.0.2.128", "192.0.2.255", "::ffff:10.1.2.3"]) {
      expect(m.has(ip), ip).toBe(true);
    }
    for (const ip of ["198.51.101.0", "198.51.99.255", "11.0.0.0", "9.255.255.255", "192.0.2.127"]) expect(m.has(ip), ip).toBe(false);
  });

  it("IPv6: exact addresses in any spelling, a /64, a /48", () => {
    const m = matcher("2001:db8:9::9", "2001:db8:77:1::/64", "2001:db8:1::/48");
    expect(m.has("2001:db8:9::9")).toBe(true);
    expect(m.has("2001:0db8:0009:0000:0000:0000:0000:0009")).toBe(true);
    expect(m.has("[2001:db8:9::9]")).toBe(true);
    expect(m.has("2001:db8:9::8")).toBe(false);
    expect(m.has("2001:db8:77:1::1")).toBe(true);
    expect(m.has("2001:db8:77:1:ffff:ffff:ffff:ffff")).toBe(true);
    expect(m.has("2001:db8:77:2::1")).toBe(false);
    expect(m.has("2001:db8:1::1")).toBe(true);
    expect(m.has("2001:db8:1:ffff::1")).toBe(true);
    expect(m.has("2001:db8:2::1")).toBe(false);
    // An IPv4 client is never matched by an IPv6 range, and vice versa.
    expect(m.has("192.0.2.1")).toBe(false);
  });

  it("the /64 format the strike rules store matches its whole prefix", () => {
    const m = matcher("2001:db8:aa:bb::/64", "0:0:0:0::/64");
    expect(m.has("2001:db8:aa:bb:1:2:3:4")).toBe(true);
    expect(m.has("::1")).toBe(true);
    expect(m.has("2001:db8:aa:bc::1")).toBe(false);
  });

  it("a mapped-IPv4 range matches IPv4 clients", () => {
    const m = matcher("::ffff:192.0.2.0/120");
    expect(m.has("192.0.2.9")).toBe(true);
    expect(m.has("::ffff:192.0.2.9")).toBe(true);
    expect(m.has("192.0.3.9")).toBe(false);
  });
});

describe("IpMatcher's own address parser agrees with ipaddr.js", () => {
  // A fixed pseudo-random sequence: the same addresses every run.
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const randomV6 = () => {
    // Runs of zero groups, so "::" lands in every position.
    const parts = Array.from({ length: 8 }, () => (rnd(3) === 0 ? 0 : rnd(0x10000)));
    return new ipaddr.IPv6(parts);
  };

  it("every spelling of 500 addresses matches its exact entry and nothing next to it", () => {
    for (let i = 0; i < 500; i++) {
      const a = randomV6();
      if (a.isIPv4MappedAddress()) continue;
      const m = new IpMatcher();
      m.add(parseIpRange(a.toString()));
      const p = a.parts;
      const spellings = [
        a.toString(),
        a.toNormalizedString(),
        // Every group in full, leading zeros included.
        p.map((g) => g.toString(16).padStart(4, "0")).join(":"),
        a.toRFC5952String().toUpperCase(),
        `[${a.toString()}]`,
        // The last 32 bits as a dotted IPv4 tail.
        `${p.slice(0, 6).map((g) => g.toString(16)).join(":")}:${p[6] >> 8}.${p[6] & 255}.${p[7] >> 8}.${p[7] & 255}`,
      ];
      for (const s of spellings) expect(m.has(s), `${s} (${a.toString()})`).toBe(true);
      const next = new ipaddr.IPv6([...p.slice(0, 7), (p[7] + 1) & 0xffff]);
      expect(m.has(next.toString()), next.toString()).toBe(false);
    }
  });

  it("a /48 and a /56 hold exactly their addresses", () => {
    for (let i = 0; i < 200; i++) {
      const a = randomV6();
      const bits = i % 2 ? 48 : 56;
      const range = parseIpRange(`${a.toString()}/${bits}`, { lenient: true });
      const m = new IpMatcher();
      m.add(range);
      const probe = randomV6();
      expect(m.has(probe.toString()), `${probe} in ${range.text}`).toBe(probe.match(range.addr, bits));
      expect(m.has(a.toString())).toBe(true);
    }
  });

  it.each([":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "::g", "1:", ":1", "1:2:3:4:5:6:7:8::", "::1.2.3", "::1.2.3.4.5", "::256.1.1.1", "1.2.3.4::", "fe80::1%eth0", "::ffff:1.2.3.04", "203.0.113.07", "2001:db8::1 "])(
    "garbage never matches and never throws: %j",
    (s) => {
      const m = new IpMatcher();
      m.add(parseIpRange("::/32", { lenient: true }));
      m.add(parseIpRange("0.0.0.0/0", { lenient: true }));
      m.add(parseIpRange("::/0", { lenient: true }));
      expect(m.has(s)).toBe(false);
    },
  );
});

import { describe, expect, it } from "vitest";
import { normalizeIp, resolveClientIp, type TrustProxy } from "../client-ip";

function req(remoteAddress: string | undefined, xff?: string | string[]) {
  return { socket: { remoteAddress } as never, headers: xff === undefined ? {} : { "x-forwarded-for": xff } } as Parameters<
    typeof resolveClientIp
  >[0];
}

const NONE: TrustProxy = { hops: 0, addresses: [] };
const hops = (n: number): TrustProxy => ({ hops: n, addresses: [] });
const list = (...addresses: string[]): TrustProxy => ({ hops: 0, addresses });

describe("normalizeIp", () => {
  it("folds IPv4-mapped IPv6 into IPv4 and strips brackets", () => {
    expect(normalizeIp("::ffff:203.0.113.5")).toBe("203.0.113.5");
    expect(normalizeIp("::FFFF:203.0.113.5")).toBe("203.0.113.5");
    expect(normalizeIp(" 203.0.113.5 ")).toBe("203.0.113.5");
    expect(normalizeIp("[2001:db8::1]")).toBe("2001:db8::1");
    expect(normalizeIp("2001:db8::1")).toBe("2001:db8::1");
    expect(normalizeIp(undefined)).toBe("");
  });
});

describe("resolveClientIp without trusted proxies", () => {
  it("uses the socket address", () => {
    expect(resolveClientIp(req("203.0.113.5"), NONE)).toBe("203.0.113.5");
  });

  it("ignores X-Forwarded-For entirely", () => {
    expect(resolveClientIp(req("203.0.113.5", "198.51.100.1"), NONE)).toBe("203.0.113.5");
    expect(resolveClientIp(req("203.0.113.5", "198.51.100.1, 198.51.100.2"), NONE)).toBe("203.0.113.5");
  });

  it("normalises an IPv4-mapped socket address", () => {
    expect(resolveClientIp(req("::ffff:203.0.113.5", "198.51.100.1"), NONE)).toBe("203.0.113.5");
  });

  it("keeps real IPv6 addresses", () => {
    expect(resolveClientIp(req("2001:db8::7"), NONE)).toBe("2001:db8::7");
  });
});

describe("resolveClientIp with a hop count", () => {
  it("one hop: the address the proxy saw (rightmost XFF entry)", () => {
    expect(resolveClientIp(req("10.0.0.2", "198.51.100.1"), hops(1))).toBe("198.51.100.1");
  });

  it("one hop: spoofed leftmost entries are ignored", () => {
    // The client sent "X-Forwarded-For: 1.2.3.4, 5.6.7.8"; the proxy appended the real address.
    expect(resolveClientIp(req("10.0.0.2", "1.2.3.4, 5.6.7.8, 198.51.100.1"), hops(1))).toBe("198.51.100.1");
  });

  it("two hops: the second entry from the right", () => {
    // client → CDN (appends client) → LB (appends CDN) → us
    expect(resolveClientIp(req("10.0.0.3", "198.51.100.1, 10.0.0.2"), hops(2))).toBe("198.51.100.1");
    expect(resolveClientIp(req("10.0.0.3", "6.6.6.6, 198.51.100.1, 10.0.0.2"), hops(2))).toBe("198.51.100.1");
  });

  it("several X-Forwarded-For headers are one list", () => {
    expect(resolveClientIp(req("10.0.0.2", ["6.6.6.6", "198.51.100.1"]), hops(1))).toBe("198.51.100.1");
  });

  it("without the header, falls back to the socket address", () => {
    expect(resolveClientIp(req("10.0.0.2"), hops(1))).toBe("10.0.0.2");
  });

  it("normalises IPv4-mapped entries", () => {
    expect(resolveClientIp(req("::ffff:10.0.0.2", "::ffff:198.51.100.1"), hops(1))).toBe("198.51.100.1");
  });

  it("skips garbage entries", () => {
    expect(resolveClientIp(req("10.0.0.2", "not-an-ip, 198.51.100.1"), hops(1))).toBe("198.51.100.1");
  });
});

describe("resolveClientIp with a trusted address list", () => {
  it("honours XFF only when the socket peer is trusted", () => {
    expect(resolveClientIp(req("10.0.0.2", "198.51.100.1"), list("10.0.0.2"))).toBe("198.51.100.1");
    // An untrusted peer may say anything: its own address is the client.
    expect(resolveClientIp(req("203.0.113.9", "198.51.100.1"), list("10.0.0.2"))).toBe("203.0.113.9");
  });

  it("walks from the right past trusted CIDRs", () => {
    const trust = list("10.0.0.0/8", "172.16.0.0/12");
    expect(resolveClientIp(req("10.1.2.3", "198.51.100.1, 172.16.5.5"), trust)).toBe("198.51.100.1");
  });

  it("ignores spoofed entries left of the first untrusted address", () => {
    const trust = list("10.0.0.0/8");
    expect(resolveClientIp(req("10.0.0.2", "10.9.9.9, 6.6.6.6, 198.51.100.1, 10.0.0.1"), trust)).toBe("198.51.100.1");
  });

  it("matches IPv4-mapped socket addresses against IPv4 entries", () => {
    expect(resolveClientIp(req("::ffff:10.0.0.2", "198.51.100.1"), list("10.0.0.0/24"))).toBe("198.51.100.1");
    expect(resolveClientIp(req("::ffff:127.0.0.1", "198.51.100.1"), list("127.0.0.1"))).toBe("198.51.100.1");
  });

  it("supports IPv6 proxies", () => {
    expect(resolveClientIp(req("fd00::2", "2001:db8::9"), list("fd00::/8"))).toBe("2001:db8::9");
    expect(resolveClientIp(req("2001:db8::2", "198.51.100.1"), list("fd00::/8"))).toBe("2001:db8::2");
  });

  it("when every hop is trusted, takes the leftmost", () => {
    expect(resolveClientIp(req("10.0.0.2", "10.0.0.5, 10.0.0.4"), list("10.0.0.0/8"))).toBe("10.0.0.5");
  });
});

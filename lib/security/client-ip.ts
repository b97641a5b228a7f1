import net from "node:net";
import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";
import { AppError } from "../errors";

/** server.ts resolves the client IP (trusted hops only) and passes it in this header, after stripping any incoming one. */
export const CLIENT_IP_HEADER = "x-occ-client-ip";

/** server.ts passes the request's own path and query in this header (any incoming one replaced): a console layout's sign-in redirect leads back to the page asked for. */
export const REQUEST_PATH_HEADER = "x-occ-request-path";

/** The client IP server.ts resolved for this request ("" when unknown). */
export function clientIp(req: Request): string {
  return req.headers.get(CLIENT_IP_HEADER) ?? "";
}


export type TrustProxy = { hops: number; addresses: string[] };

/** Strip the IPv4-mapped IPv6 prefix so "::ffff:1.2.3.4" and "1.2.3.4" are one address. */
export function normalizeIp(ip: string | undefined | null): string {
  if (!ip) return "";
  let v = ip.trim();
  if (v.startsWith("[") && v.includes("]")) v = v.slice(1, v.indexOf("]"));
  if (v.toLowerCase().startsWith("::ffff:") && net.isIPv4(v.slice(7))) v = v.slice(7);
  return v;
}

function trustedList(addresses: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const a of addresses) addToBlockList(list, a);
  return list;
}

export function addToBlockList(list: net.BlockList, entry: string): boolean {
  const [addr, prefix] = entry.split("/");
  const ip = normalizeIp(addr);
  const family = net.isIPv4(ip) ? "ipv4" : net.isIPv6(ip) ? "ipv6" : null;
  if (!family) return false;
  if (prefix === undefined) list.addAddress(ip, family);
  else {
    const n = Number(prefix);
    if (!Number.isInteger(n) || n < 0 || n > (family === "ipv4" ? 32 : 128)) return false;
    list.addSubnet(ip, n, family);
  }
  return true;
}

export function ipFamily(ip: string): "ipv4" | "ipv6" | null {
  return net.isIPv4(ip) ? "ipv4" : net.isIPv6(ip) ? "ipv6" : null;
}

/**
 * The client address. X-Forwarded-For is honoured only through trusted hops:
 * with a hop count N we take the N-th address from the right (each trusted
 * proxy appends the address it saw); with a list we walk from the right past
 * addresses in the list. Anything further left is client-controlled.
 */
export function resolveClientIp(req: Pick<IncomingMessage, "headers" | "socket">, trust: TrustProxy): string {
  const socketIp = normalizeIp(req.socket.remoteAddress);
  if (trust.hops === 0 && trust.addresses.length === 0) return socketIp;
  const header = req.headers["x-forwarded-for"];
  const raw = Array.isArray(header) ? header.join(",") : header ?? "";
  const chain = raw
    .split(",")
    .map((s) => normalizeIp(s))
    .filter((s) => ipFamily(s) !== null);
  const hops = [...chain, socketIp];
  if (trust.hops > 0) {
    const idx = hops.length - 1 - trust.hops;
    return hops[Math.max(0, idx)] ?? socketIp;
  }
  const trusted = trustedList(trust.addresses);
  for (let i = hops.length - 1; i >= 0; i--) {
    const ip = hops[i];
    const fam = ipFamily(ip);
    if (!fam || !trusted.check(ip, fam)) return ip;
  }
  return hops[0] ?? socketIp;
}

/** Expand an IPv6 address to its eight 16-bit groups. */
function ipv6Groups(ip: string): number[] | null {
  if (!net.isIPv6(ip)) return null;
  let v = ip.split("%")[0];
  // An embedded IPv4 tail ("::ffff:1.2.3.4" forms that aren't mapped) becomes two groups.
  const tail = v.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (tail) {
    const [a, b, c, d] = tail[1].split(".").map(Number);
    v = v.slice(0, -tail[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = v.includes("::") ? v.split("::") : [v, null];
  const h = head ? head.split(":") : [];
  const r = rest ? rest.split(":") : [];
  const fill = rest === null ? [] : new Array(8 - h.length - r.length).fill("0");
  const groups = [...h, ...fill, ...r].map((g) => parseInt(g || "0", 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

/**
 * Who a strike counts against: an IPv4 address as it is, an IPv6 address as
 * its /64 — one subscriber's prefix, from which they can use any of 2^64
 * addresses, so counting single addresses would never add up.
 */
export function strikeSubject(ip: string): string {
  const v = normalizeIp(ip);
  const groups = ipv6Groups(v);
  if (!groups) return v;
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}

// ---------------------------------------------------------------------------
// Addresses and ranges typed by staff (manual blocks, the allow-list), and
// the matcher the per-request checks use.

export type IpKind = "ipv4" | "ipv6";

/** A parsed address or CIDR range; `text` is its canonical form ("203.0.113.0/24", "2001:db8:1:2::/64", "192.0.2.7"). */
export type IpRange = { kind: IpKind; addr: ipaddr.IPv4 | ipaddr.IPv6; bits: number; text: string };

/** The widest range staff may block or allow-list: anything wider is absurd (a /7 is 1/128 of the IPv4 internet; a /31 IPv6 prefix spans whole ISPs). */
export const MIN_PREFIX: Record<IpKind, number> = { ipv4: 8, ipv6: 32 };
const FULL: Record<IpKind, number> = { ipv4: 32, ipv6: 128 };

const bad = (message: string) => new AppError("bad_request", message, { details: { fields: { address: message } } });

function maskBytes(bytes: number[], bits: number): number[] {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return keep === 8 ? b : b & ((0xff << (8 - keep)) & 0xff);
  });
}

function canonical(kind: IpKind, addr: ipaddr.IPv4 | ipaddr.IPv6, bits: number): string {
  const a = kind === "ipv4" ? addr.toString() : (addr as ipaddr.IPv6).toRFC5952String();
  return bits === FULL[kind] ? a : `${a}/${bits}`;
}

/**
 * Parse an address, an IPv6 /64 or any CIDR range typed by staff. IPv4-mapped
 * IPv6 ("::ffff:192.0.2.7", "::ffff:192.0.2.0/120") becomes IPv4. Refused,
 * with a message that says why: anything that isn't a plain address (zone
 * ids, "127.1", hex or leading-zero octets), prefixes out of range, ranges
 * wider than /8 (IPv4) or /32 (IPv6) — 0.0.0.0/0 and ::/0 above all — and a
 * range written with host bits ("203.0.113.5/24": did you mean the address,
 * or 203.0.113.0/24?). `lenient` is for rows already stored: no width limit,
 * host bits masked off.
 */
export function parseIpRange(input: string, opts: { lenient?: boolean } = {}): IpRange {
  const raw = (input ?? "").trim();
  if (!raw) throw bad("Enter an IP address or a CIDR range.");
  if (raw.length > 64 || !/^\[?[0-9a-fA-F:.]+\]?(\/\d{1,3})?$/.test(raw)) throw bad(`"${raw.slice(0, 64)}" is not an IP address or CIDR range.`);
  const slash = raw.indexOf("/");
  const hostPart = slash < 0 ? raw : raw.slice(0, slash);
  const host = normalizeIp(hostPart);
  let bits = slash < 0 ? null : Number(raw.slice(slash + 1));
  if (bits !== null && net.isIPv4(host) && /^\[?::ffff:/i.test(hostPart)) {
    // "::ffff:a.b.c.d/n" is the IPv4 range a.b.c.d/(n-96).
    if (bits < 96) throw bad(`${raw} is not a valid range: a mapped IPv4 range needs a prefix of /96 or more.`);
    bits -= 96;
  }
  const kind: IpKind | null = net.isIPv4(host) ? "ipv4" : net.isIPv6(host) ? "ipv6" : null;
  if (!kind) throw bad(`"${raw}" is not an IP address or CIDR range.`);
  let addr: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(host);
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    // "::ffff:c000:207", the hex spelling of a mapped address.
    if (bits !== null && bits < 96) throw bad(`${raw} is not a valid range: a mapped IPv4 range needs a prefix of /96 or more.`);
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    if (bits !== null) bits -= 96;
  }
  const k = addr.kind() as IpKind;
  const prefix = bits ?? FULL[k];
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > FULL[k]) throw bad(`/${bits} is not a valid prefix for an ${k === "ipv4" ? "IPv4" : "IPv6"} address (0–${FULL[k]}).`);
  const network = ipaddr.fromByteArray(maskBytes(addr.toByteArray(), prefix));
  if (!opts.lenient) {
    if (prefix < MIN_PREFIX[k]) {
      throw bad(`${canonical(k, network, prefix)} is far too wide a range: the widest allowed is /${MIN_PREFIX[k]} for ${k === "ipv4" ? "IPv4" : "IPv6"}.`);
    }
    if (network.toString() !== addr.toString()) {
      throw bad(`${raw} has bits set after the /${prefix}: enter the address alone, or the range ${canonical(k, network, prefix)}.`);
    }
  }
  return { kind: k, addr: network, bits: prefix, text: canonical(k, network, prefix) };
}

/** Whether two ranges share any address (prefix ranges nest or are disjoint). */
export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  if (a.kind !== b.kind) return false;
  const wider = a.bits <= b.bits ? a : b;
  const narrower = wider === a ? b : a;
  return narrower.addr.match(wider.addr, wider.bits);
}

/** A range counts as one client when it is a single address or an IPv6 /64 (what strikes count by). */
export function isSingleClient(r: IpRange): boolean {
  return r.bits === FULL[r.kind] || (r.kind === "ipv6" && r.bits === 64);
}

/** A strict dotted quad ("203.0.113.5"; no leading zeros, no shorthand) → its 32-bit value, else null. Char by char: it runs per request. */
function v4Int(ip: string): number | null {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return null;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return null; // a leading zero
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return null;
    } else return null;
  }
  if (dots !== 3 || digits === 0) return null;
  return (n * 256 + part) >>> 0;
}
const v4Mask = (bits: number) => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

const hexVal = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

/**
 * An IPv6 address → its eight 16-bit groups, or null. Handles "::" and an
 * IPv4 tail; no zone ids. A single pass over the characters: it runs on
 * every request from an IPv6 client while any IPv6 block is in force.
 */
function v6Parts(ip: string): number[] | null {
  const len = ip.length;
  if (len < 2 || len > 45) return null;
  const groups: number[] = [];
  let gap = -1; // index in `groups` where "::" stands
  let i = 0;
  if (ip.charCodeAt(0) === 58) {
    if (ip.charCodeAt(1) !== 58) return null;
    gap = 0;
    i = 2;
    if (i === len) return [0, 0, 0, 0, 0, 0, 0, 0];
  }
  while (i < len) {
    // One group: up to 4 hex digits — or, last, a dotted IPv4 tail.
    let val = 0;
    let digits = 0;
    const start = i;
    while (i < len) {
      const h = hexVal(ip.charCodeAt(i));
      if (h < 0) break;
      val = val * 16 + h;
      digits++;
      i++;
    }
    if (i < len && ip.charCodeAt(i) === 46) {
      const n = v4Int(ip.slice(start));
      if (n === null || groups.length > 6) return null;
      groups.push(n >>> 16, n & 0xffff);
      i = len;
      break;
    }
    if (digits === 0 || digits > 4) return null;
    groups.push(val);
    if (i === len) break;
    if (ip.charCodeAt(i) !== 58) return null;
    i++;
    if (i < len && ip.charCodeAt(i) === 58) {
      if (gap >= 0) return null;
      gap = groups.length;
      i++;
      if (i === len) break;
    } else if (i === len) return null; // a trailing single ":"
  }
  if (gap < 0) return groups.length === 8 ? groups : null;
  if (groups.length > 7) return null;
  const zeros = new Array<number>(8 - groups.length).fill(0);
  return [...groups.slice(0, gap), ...zeros, ...groups.slice(gap)];
}

/** IPv4-mapped (::ffff:a.b.c.d in any spelling) → the IPv4 value, else null. */
const mappedV4 = (p: number[]) =>
  p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0xffff ? ((p[6] << 16) | p[7]) >>> 0 : null;

function v6InRange(p: number[], net: number[], bits: number): boolean {
  for (let g = 0; g < 8 && bits > 0; g++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((p[g] & mask) !== net[g]) return false;
  }
  return true;
}

const v6Key = (p: number[]) => `${p[0]}:${p[1]}:${p[2]}:${p[3]}:${p[4]}:${p[5]}:${p[6]}:${p[7]}`;
const v6Key64 = (p: number[]) => `${p[0]}:${p[1]}:${p[2]}:${p[3]}`;

/**
 * Answers "is this client address in the set?" for a set of addresses and
 * ranges, fast enough to run first on every request: single IPv4 addresses
 * are a Set lookup on the string (a dotted quad from the socket is already
 * canonical), IPv4 ranges an integer mask per range, IPv6 addresses and /64s
 * (every automatic IPv6 block) Set lookups on the parsed groups, and only
 * other IPv6 ranges a short list walked with ipaddr.js `match`.
 */
export class IpMatcher {
  private v4Exact = new Set<number>();
  private v4Nets: { net: number; mask: number }[] = [];
  private v6Exact = new Set<string>();
  private v6Nets64 = new Set<string>();
  private v6Nets: { net: number[]; bits: number }[] = [];
  size = 0;

  add(r: IpRange): void {
    this.size++;
    if (r.kind === "ipv4") {
      const n = v4Int(r.addr.toString())!;
      if (r.bits === 32) this.v4Exact.add(n);
      else this.v4Nets.push({ net: n, mask: v4Mask(r.bits) });
      return;
    }
    const parts = (r.addr as ipaddr.IPv6).parts;
    if (r.bits === 128) this.v6Exact.add(v6Key(parts));
    else if (r.bits === 64) this.v6Nets64.add(v6Key64(parts));
    else this.v6Nets.push({ net: parts, bits: r.bits });
  }

  private hasV4(n: number): boolean {
    if (this.v4Exact.has(n)) return true;
    for (const e of this.v4Nets) if (((n & e.mask) >>> 0) === e.net) return true;
    return false;
  }

  /** `ip` as resolved for a request (normalizeIp'd or not); garbage matches nothing. */
  has(ip: string): boolean {
    if (this.size === 0 || !ip) return false;
    const n = v4Int(ip);
    if (n !== null) return this.hasV4(n);
    let v = ip;
    if (v.charCodeAt(0) === 91 /* [ */) v = normalizeIp(v);
    const p = v6Parts(v);
    if (!p) return false;
    // An IPv4-mapped address is the IPv4 client it carries.
    const m = mappedV4(p);
    if (m !== null) return this.hasV4(m);
    if (this.v6Exact.has(v6Key(p)) || this.v6Nets64.has(v6Key64(p))) return true;
    for (const e of this.v6Nets) if (v6InRange(p, e.net, e.bits)) return true;
    return false;
  }
}

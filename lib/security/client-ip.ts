import net from "node:net";
import type { IncomingMessage } from "node:http";

/** server.ts resolves the client IP (trusted hops only) and passes it in this header, after stripping any incoming one. */
export const CLIENT_IP_HEADER = "x-occ-client-ip";

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

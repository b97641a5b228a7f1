import type { Db } from "../../db/client";
import { projects } from "../../db/schema";
import { singleton } from "../singleton";

type ParsedOrigin = { scheme: string; host: string; port: string };

const DEFAULT_PORT: Record<string, string> = { http: "80", https: "443" };

/** "https://A.example.com:443" → { https, a.example.com, 443 }; null unless a bare http(s) origin. */
function parseOrigin(value: string): ParsedOrigin | null {
  const m = /^(https?):\/\/([^/?#:@\s]+)(?::(\d{1,5}))?\/?$/i.exec(value.trim());
  if (!m) return null;
  const scheme = m[1].toLowerCase();
  return { scheme, host: m[2].toLowerCase().replace(/\.$/, ""), port: m[3] ?? DEFAULT_PORT[scheme] };
}

/**
 * One allowed-origins entry against a request origin: exact (`https://shop.com`)
 * or a wildcard subdomain (`https://*.client.com` — any depth of subdomain, same
 * scheme and port; never the bare `client.com`, never `client.com.evil.com`).
 */
export function originMatches(entry: string, origin: string): boolean {
  const o = parseOrigin(origin);
  if (!o) return false;
  const wildcard = /^(https?):\/\/\*\.(.+)$/i.exec(entry.trim());
  if (wildcard) {
    const base = parseOrigin(`${wildcard[1]}://${wildcard[2]}`);
    if (!base || base.host.includes("*")) return false;
    return o.scheme === base.scheme && o.port === base.port && o.host.endsWith(`.${base.host}`) && o.host.length > base.host.length + 1;
  }
  const e = parseOrigin(entry);
  return !!e && e.scheme === o.scheme && e.host === o.host && e.port === o.port;
}

/**
 * May a page at `origin` call this project's visitor API? Our own origin
 * always; otherwise only an entry of the project's whitelist.
 */
export function isOriginAllowed(
  project: { allowedOrigins: readonly string[] | null | undefined },
  origin: string | null | undefined,
  ownOrigin: string | readonly string[] | null | undefined,
): boolean {
  if (!origin) return false;
  const own = typeof ownOrigin === "string" ? [ownOrigin] : ownOrigin ?? [];
  if (own.some((o) => originMatches(o, origin))) return true;
  return (project.allowedOrigins ?? []).some((entry) => typeof entry === "string" && originMatches(entry, origin));
}

/** Matches the product brief: whitelist edits apply within ~30 s without a restart. */
const ALL_ORIGINS_TTL_MS = 30_000;

/**
 * Every project's whitelist entries, cached for 30 s. Used only where the
 * project isn't known yet (CORS preflight): the actual request is still
 * checked against its own project.
 */
export async function listAllAllowedOrigins(db: Db, now = Date.now()): Promise<string[]> {
  const cache = singleton<{ at: number; entries: string[] | null }>("all-allowed-origins", () => ({ at: 0, entries: null }));
  if (cache.entries && now - cache.at < ALL_ORIGINS_TTL_MS) return cache.entries;
  const rows = await db.select({ allowedOrigins: projects.allowedOrigins }).from(projects);
  cache.entries = rows.flatMap((r) => (Array.isArray(r.allowedOrigins) ? r.allowedOrigins.filter((e) => typeof e === "string") : []));
  cache.at = now;
  return cache.entries;
}

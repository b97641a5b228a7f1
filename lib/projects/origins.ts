import { z } from "zod";
import type { Db } from "../../db/client";
import { projects } from "../../db/schema";
import { logger } from "../logger";
import { peekSingleton, singleton } from "../singleton";
import { safeIconUrl } from "./branding";

/** A DNS label as a browser serialises it (lower case, punycode for IDNs). */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const MAX_ORIGIN_LENGTH = 300;

type ParsedOrigin = { scheme: "http" | "https"; host: string; port: string; ipv6: boolean };

/**
 * The one origin parser: `value` must be exactly what a browser sends in an
 * `Origin` header — the WHATWG URL parser's own serialisation of it
 * (`url.origin`), http(s) only. Anything a parser would have to repair is
 * refused rather than normalised: upper case, surrounding or embedded
 * whitespace, backslashes, percent-encoding, userinfo, a path (even "/"),
 * query or fragment, a default port spelled out, port 0, empty labels, a
 * trailing dot, non-ASCII (use the punycode form), IPv4 in any form but
 * dotted-decimal. Two spellings of one origin can therefore never both pass
 * one check and fail another.
 */
function parseCanonical(value: string): ParsedOrigin | null {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_ORIGIN_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.origin !== value) return null;
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.port === "0") return null;
  const host = url.hostname;
  const ipv6 = host.startsWith("[");
  if (!ipv6 && (host.length > 253 || !host.split(".").every((l) => LABEL.test(l)))) return null;
  return { scheme: url.protocol === "https:" ? "https" : "http", host, port: url.port, ipv6 };
}

/** `value` itself when it is a canonical http(s) origin (see parseCanonical), else null. */
export function canonicalOrigin(value: string | null | undefined): string | null {
  return value != null && parseCanonical(value) ? value : null;
}

type Entry = { kind: "exact"; origin: ParsedOrigin } | { kind: "wildcard"; base: ParsedOrigin };

/**
 * One allowed-origins entry: a canonical origin (`https://shop.com`,
 * `http://localhost:5173`), or a wildcard subdomain `https://*.client.com`
 * (optionally with a port) whose base is a domain of at least two labels —
 * never `*.com`, never an IP address.
 */
function parseEntry(entry: string): Entry | null {
  if (typeof entry !== "string") return null;
  const wildcard = /^(https?:\/\/)\*\.(.*)$/.exec(entry);
  if (!wildcard) {
    const origin = parseCanonical(entry);
    return origin ? { kind: "exact", origin } : null;
  }
  const base = parseCanonical(wildcard[1] + wildcard[2]);
  if (!base || base.ipv6 || !base.host.includes(".") || /^[\d.]+$/.test(base.host)) return null;
  return { kind: "wildcard", base };
}

/** Why an allowed-origins entry is refused, or null when it is valid (for the form that saves them). */
export function allowedOriginProblem(entry: string): string | null {
  if (parseEntry(entry)) return null;
  let hint = "";
  try {
    const u = new URL(entry.trim().replace(/^(https?:\/\/)\*\./i, "$1"));
    if (u.protocol === "http:" || u.protocol === "https:") {
      hint = /^(https?:\/\/)\*\./i.test(entry.trim()) ? ` Did you mean ${u.protocol}//*.${u.host}?` : ` Did you mean ${u.origin}?`;
    }
  } catch {
    /* no suggestion */
  }
  return `Enter an origin exactly as a browser sends it: scheme and host in lower case, no path, no trailing slash (https://shop.example.com, or https://*.example.com for its subdomains).${hint}`;
}

/** An allowed-origins entry as saved: validated with the same parser that matches it. */
export const AllowedOriginEntry = z.string().superRefine((v, c) => {
  const problem = allowedOriginProblem(v);
  if (problem) c.addIssue({ code: "custom", message: problem });
});
export const AllowedOrigins = z.array(AllowedOriginEntry).max(100);

/**
 * One allowed-origins entry against a request origin: exact (`https://shop.com`)
 * or a wildcard subdomain (`https://*.client.com` — any depth of subdomain, same
 * scheme and port; never the bare `client.com`, never `client.com.evil.com`).
 * Both sides must be canonical: a non-canonical entry or origin matches nothing.
 */
export function originMatches(entry: string, origin: string): boolean {
  const o = parseCanonical(origin);
  const e = o ? parseEntry(entry) : null;
  if (!o || !e) return false;
  if (e.kind === "exact") return e.origin.scheme === o.scheme && e.origin.host === o.host && e.origin.port === o.port;
  const b = e.base;
  return !o.ipv6 && o.scheme === b.scheme && o.port === b.port && o.host.endsWith(`.${b.host}`);
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

/**
 * Matches the product brief: whitelist edits apply within ~30 s without a
 * restart, on every instance. No answer older than this is ever served; the
 * instance that saved the edit forgets its copies at once
 * (forgetAllowedOriginCaches).
 */
export const ALL_ORIGINS_TTL_MS = 30_000;
/** From this age on, the visitor-page sources are refreshed behind the request that noticed (stale-while-revalidate, inside the 30 s). */
const SOURCES_REFRESH_MS = 20_000;

/**
 * Drop this process's cached whitelists, so the next check reads the
 * database: called after a project's origins, slug or icon change commit.
 * Other instances catch up within ALL_ORIGINS_TTL_MS.
 */
export function forgetAllowedOriginCaches(): void {
  const all = peekSingleton<{ at: number; entries: string[] | null }>("all-allowed-origins");
  if (all) all.entries = null;
  const sources = peekSingleton<{ at: number; bySlug: Map<string, VisitorPageSources> | null; loading: Promise<void> | null; generation: number }>("visitor-page-sources");
  if (sources) {
    sources.bySlug = null;
    // A load that started before the change must not put its (older) answer back.
    sources.generation = (sources.generation ?? 0) + 1;
    sources.loading = null;
  }
}

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

/**
 * An entry as a CSP source expression (`frame-ancestors`), or null when it
 * can't be one: CSP host-sources have no IPv6 literals. Only entries that
 * passed the strict parser get here, so nothing can inject `;` or a space.
 */
export function entryAsCspSource(entry: string): string | null {
  const e = parseEntry(entry);
  if (!e) return null;
  const p = e.kind === "exact" ? e.origin : e.base;
  if (p.ipv6) return null;
  return `${p.scheme}://${e.kind === "wildcard" ? "*." : ""}${p.host}${p.port ? `:${p.port}` : ""}`;
}

/** What a visitor page (/p/{slug}, /p/{slug}/chat) of one project may be framed by and load images from. */
export type VisitorPageSources = { frameAncestors: string[]; imgSrc: string[] };

/**
 * The CSP sources of every project's visitor pages by slug, for server.ts to
 * put in the response headers before Next renders the page. One query for
 * all projects, so an unknown slug costs no query and no cache entry. An
 * answer is served for at most 30 s: from 20 s on, a request gets it while a
 * refresh runs behind; at 30 s a request waits for the refresh. So an edit
 * reaches every instance within 30 s, and a busy page rarely waits.
 */
export async function visitorPageSources(db: Db, slug: string, now = Date.now()): Promise<VisitorPageSources | null> {
  const cache = singleton<{ at: number; bySlug: Map<string, VisitorPageSources> | null; loading: Promise<void> | null; generation: number }>(
    "visitor-page-sources",
    () => ({ at: 0, bySlug: null, loading: null, generation: 0 }),
  );
  const age = now - cache.at;
  if (!cache.bySlug || age >= SOURCES_REFRESH_MS) {
    if (!cache.loading) {
      const generation = cache.generation;
      const load = async () => {
        try {
          const rows = await db.select({ slug: projects.slug, allowedOrigins: projects.allowedOrigins, iconUrl: projects.iconUrl }).from(projects);
          const bySlug = new Map<string, VisitorPageSources>();
          for (const r of rows) {
            const entries = Array.isArray(r.allowedOrigins) ? r.allowedOrigins : [];
            const frameAncestors = entries.map((e) => entryAsCspSource(e)).filter((s): s is string => s !== null);
            bySlug.set(r.slug, { frameAncestors, imgSrc: iconSource(r.iconUrl) });
          }
          if (cache.generation === generation) {
            cache.bySlug = bySlug;
            cache.at = now;
          }
        } finally {
          if (cache.loading === loading) cache.loading = null;
        }
      };
      const loading: Promise<void> = load();
      cache.loading = loading;
    }
    const loading = cache.loading;
    // Nothing yet, or too old to serve: wait (a page without its framers would refuse the widget). Else refresh behind.
    if (!cache.bySlug || age >= ALL_ORIGINS_TTL_MS) await loading;
    else loading.catch((err) => logger.warn({ err }, "visitor page sources: refresh failed, keeping the previous ones"));
  }
  return cache.bySlug?.get(slug) ?? null;
}

/** The icon's origin as an img-src source (data: and same-origin paths are covered by the base policy). */
function iconSource(iconUrl: string | null): string[] {
  const u = safeIconUrl(iconUrl);
  if (!u || !/^https?:\/\//i.test(u)) return [];
  try {
    const origin = new URL(u).origin;
    return canonicalOrigin(origin) && !parseCanonical(origin)!.ipv6 ? [origin] : [];
  } catch {
    return [];
  }
}

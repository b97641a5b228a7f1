import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { settings } from "../../db/schema";
import { getEnv } from "../env";
import { logger } from "../logger";
import { singleton } from "../singleton";
import { compileSnippet, headNodes, MAX_TAG_HOSTS, snippetHosts, snippetProblem, type CompiledSnippet, type HeadNode } from "./tags-html";

/** Settings key (table `settings`). */
export const MARKETING_TAGS_KEY = "marketing_tags";

/** Explicit extra hosts: for what a tag reaches only at run time (GA4's collection endpoints, a pixel's beacons). */
export const MAX_EXTRA_HOSTS = 20;

/**
 * The Marketing → Tags setting: a head and a body snippet and where they
 * run. Visitor pages on by default (that's what tags are for); staff pages
 * off: a script there runs with the signed-in staff member's rights and can
 * read everything the console shows. The embeddable widget never carries
 * them — it runs in a Shadow DOM on the customer's own site.
 */
export type MarketingTags = {
  head: string;
  body: string;
  visitorPages: boolean;
  staffPages: boolean;
  /** CSP host-sources added to the ones derived from the snippets: `https://host[:port]` or `https://*.host`. */
  extraHosts: string[];
};

export const DEFAULT_TAGS: MarketingTags = { head: "", body: "", visitorPages: true, staffPages: false, extraHosts: [] };

const WILDCARD_HOST = /^(\*\.)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$/;

/**
 * One allow-list entry as a CSP host-source: `https://host`, `https://host:port`
 * or `https://*.host`; a bare `host` or `*.host` means https. Nothing else —
 * no http (a tag's traffic can be read and changed on the way), no paths, no
 * bare `*`, no keywords: the entry goes into the header as it is.
 */
export function parseExtraHost(raw: string): { host: string } | { error: string } {
  const t = raw.trim().toLowerCase();
  if (!t) return { error: "Enter a host, e.g. https://www.google-analytics.com." };
  if (t.startsWith("http://")) return { error: `${raw.trim()}: use https:// — tags must not load over plain http.` };
  const rest = t.startsWith("https://") ? t.slice("https://".length) : t;
  const m = /^([^/:]+)(?::(\d{1,5}))?\/?$/.exec(rest);
  const port = m?.[2] ? Number(m[2]) : null;
  if (!m || !WILDCARD_HOST.test(m[1]) || (port !== null && (port < 1 || port > 65535))) {
    return { error: `${raw.trim()}: not a host. Enter an https origin (https://example.com) or a wildcard (https://*.example.com), without a path.` };
  }
  return { host: `https://${m[1]}${port !== null && port !== 443 ? `:${port}` : ""}` };
}

/** A snippet's shape; its content is checked by `snippetProblem` (lib/marketing/tags-html.ts). */
const Snippet = z.string({ error: "A snippet must be text." });

/**
 * The setting as saved by the Tags page (every field; what is left out takes
 * its default). Sizes are checked before this (a 413, not a 400).
 */
export const MarketingTagsInput = z
  .object({
    head: Snippet.default(""),
    body: Snippet.default(""),
    visitorPages: z.boolean({ error: "Say whether tags run on visitor pages." }).default(true),
    staffPages: z.boolean({ error: "Say whether tags run on staff pages." }).default(false),
    extraHosts: z.array(z.string().max(300, "That is too long for a host.")).max(MAX_EXTRA_HOSTS, `At most ${MAX_EXTRA_HOSTS} extra hosts.`).default([]),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const which of ["head", "body"] as const) {
      const problem = snippetProblem(which, v[which]);
      if (problem) ctx.addIssue({ code: "custom", path: [which], message: problem });
    }
    v.extraHosts.forEach((h, i) => {
      const r = parseExtraHost(h);
      if ("error" in r) ctx.addIssue({ code: "custom", path: ["extraHosts", i], message: r.error });
    });
  })
  .transform((v): MarketingTags => ({
    ...v,
    head: v.head.trim() === "" ? "" : v.head,
    body: v.body.trim() === "" ? "" : v.body,
    extraHosts: [...new Set(v.extraHosts.map((h) => parseExtraHost(h)).flatMap((r) => ("host" in r ? [r.host] : [])))],
  }))
  .superRefine((v, ctx) => {
    const n = tagHosts(v).length;
    if (n > MAX_TAG_HOSTS) ctx.addIssue({ code: "custom", path: ["extraHosts"], message: `The tags name ${n} hosts; at most ${MAX_TAG_HOSTS} fit in the page's Content-Security-Policy.` });
  });

/** What a stored value must look like to be used; a hand-edited row that doesn't fit falls back to no tags. */
const StoredTags = z.object({
  head: z.string().default(""),
  body: z.string().default(""),
  visitorPages: z.boolean().default(true),
  staffPages: z.boolean().default(false),
  extraHosts: z.array(z.string()).default([]),
});

/** Every CSP host-source the tags need: derived from both snippets, plus the explicit ones. Sorted, unique. */
export function tagHosts(t: Pick<MarketingTags, "head" | "body" | "extraHosts">): string[] {
  return [...new Set([...snippetHosts(t.head), ...snippetHosts(t.body), ...t.extraHosts])].sort();
}

/** The setting as stored, defaults filled in (inside a transaction: that transaction's view). */
export async function loadMarketingTags(db: Db): Promise<MarketingTags> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, MARKETING_TAGS_KEY));
  if (!row) return DEFAULT_TAGS;
  const parsed = StoredTags.safeParse(row.value);
  if (parsed.success) {
    const extraHosts = parsed.data.extraHosts.flatMap((h) => {
      const r = parseExtraHost(h);
      return "host" in r ? [r.host] : [];
    });
    return { ...parsed.data, extraHosts };
  }
  logger.warn({ key: MARKETING_TAGS_KEY, issues: parsed.error.issues.slice(0, 3) }, "stored marketing tags are invalid; serving no tags");
  return { ...DEFAULT_TAGS, visitorPages: false };
}

/** The tags ready for responses: parsed once, stamped per response. */
export type LiveTags = {
  settings: MarketingTags;
  /** CSP host-sources for the surfaces where the tags run. */
  hosts: string[];
  head: CompiledSnippet;
  body: CompiledSnippet;
  /** The head snippet as elements, for pages React renders. */
  headNodes: HeadNode[];
};

export function compileTags(s: MarketingTags): LiveTags {
  return { settings: s, hosts: tagHosts(s), head: compileSnippet(s.head), body: compileSnippet(s.body), headNodes: headNodes(s.head) };
}

/**
 * This process's copy. Every page response reads it (its CSP and its
 * markup), so it is cached on globalThis (server.ts and Next's bundle share
 * one) and dropped when a save commits here. With several instances
 * (REDIS_URL) another instance's save reaches this one within 5 s.
 */
type Cache = { live: LiveTags | null; loadedAt: number; generation: number; loading: Promise<LiveTags> | null };
const cache = () => singleton<Cache>("marketing-tags", () => ({ live: null, loadedAt: 0, generation: 0, loading: null }));

/** How long another instance's save may take to show here. */
export const SHARED_TTL_MS = 5_000;

function ttlMs(): number {
  try {
    return getEnv().redisUrl ? SHARED_TTL_MS : Number.POSITIVE_INFINITY;
  } catch {
    return SHARED_TTL_MS;
  }
}

/**
 * The tags as responses use them now. A database that can't be read serves
 * no tags (the page itself must not fail for them) and tries again on the
 * next request.
 */
export async function getTags(db: Db, now = Date.now()): Promise<LiveTags> {
  const c = cache();
  if (c.live && now - c.loadedAt < ttlMs()) return c.live;
  if (c.loading) return c.loading;
  const generation = c.generation;
  const loading = loadMarketingTags(db)
    .then(
      (s) => {
        const live = compileTags(s);
        // A save that committed while this read was under way wins: don't cache what it replaced.
        if (c.generation === generation) Object.assign(c, { live, loadedAt: now });
        return live;
      },
      (err: unknown) => {
        logger.warn({ err }, "marketing tags unavailable; serving pages without them");
        return compileTags({ ...DEFAULT_TAGS, visitorPages: false });
      },
    )
    .finally(() => {
      if (c.loading === loading) c.loading = null;
    });
  // Concurrent page loads share one read.
  c.loading = loading;
  return loading;
}

/** Drop this process's copy (after a save commits): the next page load reads the new tags. */
export function invalidateTags(): void {
  const c = cache();
  c.live = null;
  c.loading = null;
  c.generation++;
}

/** What the security headers need: per surface, null when tags don't run there, else the hosts to allow. */
export type TagPolicy = { visitor: readonly string[] | null; staff: readonly string[] | null };

export async function tagPolicy(db: Db): Promise<TagPolicy> {
  const t = await getTags(db);
  const any = t.settings.head !== "" || t.settings.body !== "";
  return { visitor: any && t.settings.visitorPages ? t.hosts : null, staff: any && t.settings.staffPages ? t.hosts : null };
}

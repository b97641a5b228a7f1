import type { Db } from "../../db/client";
import { getTags, type LiveTags } from "./tags";

export type TagSurface = "visitor" | "staff";

/**
 * The nonce server.ts put in this request's CSP (it hands Next the policy on
 * the request, lib/security/headers.ts), or null. Next reads its own nonce
 * the same way.
 */
export function nonceFromCsp(csp: string | null | undefined): string | null {
  return (csp && /'nonce-([^']+)'/.exec(csp)?.[1]) || null;
}

/**
 * The tags for one response on `surface`, or null when they don't run there
 * (switched off, empty) or the response has no nonce: without a CSP of ours
 * we don't know the page is the one the snippets were allowed on.
 */
export async function liveTagsFor(db: Db, surface: TagSurface | null, nonce: string | null): Promise<LiveTags | null> {
  if (!surface || !nonce) return null;
  const t = await getTags(db);
  if (t.settings.head === "" && t.settings.body === "") return null;
  return (surface === "visitor" ? t.settings.visitorPages : t.settings.staffPages) ? t : null;
}

/** Both snippets as HTML for a page we render ourselves (the landing page), every script stamped with `nonce`. */
export async function tagsHtmlFor(db: Db, surface: TagSurface, nonce: string | null): Promise<{ head: string; body: string } | null> {
  const t = await liveTagsFor(db, surface, nonce);
  return t && nonce ? { head: t.head.html(nonce), body: t.body.html(nonce) } : null;
}

import { headers } from "next/headers";
import { createElement, type ReactNode } from "react";
import { getDb } from "../../db/client";
import { REQUEST_PATH_HEADER } from "../security/client-ip";
import { routedPathname, tagSurface } from "../security/headers";
import { liveTagsFor, nonceFromCsp } from "./inject";
import type { HeadNode } from "./tags-html";

/** HTML attribute names React spells differently; the rest pass through as written. */
const REACT_NAME: Record<string, string> = {
  class: "className",
  crossorigin: "crossOrigin",
  referrerpolicy: "referrerPolicy",
  nomodule: "noModule",
  charset: "charSet",
  "http-equiv": "httpEquiv",
  fetchpriority: "fetchPriority",
  hreflang: "hrefLang",
  itemprop: "itemProp",
  imagesizes: "imageSizes",
  imagesrcset: "imageSrcSet",
};
/** Present-or-absent attributes: React drops a boolean prop given as "" (how the parser reads `async`). */
const BOOLEAN = new Set(["async", "defer", "nomodule", "disabled"]);

function props(node: HeadNode, key: number, nonce: string): Record<string, unknown> {
  const out: Record<string, unknown> = { key, suppressHydrationWarning: true };
  for (const [name, value] of node.attrs) {
    // A head element's style draws nothing, and React takes style only as an object.
    if (name === "style") continue;
    out[REACT_NAME[name] ?? name] = BOOLEAN.has(name) ? true : value;
  }
  if (node.tag === "script") out.nonce = nonce;
  if (node.text !== undefined && node.text !== "") out.dangerouslySetInnerHTML = { __html: node.text };
  if (node.inner !== undefined) out.dangerouslySetInnerHTML = { __html: node.inner };
  return out;
}

/**
 * The marketing tags of this page, for the root layout: the head snippet as
 * React elements (each <script> with the response's nonce), the body snippet
 * as stamped HTML in a box-less wrapper at the start of <body>. Null where
 * tags don't run: an API route, an error page, staff pages unless switched
 * on, a request without our CSP. The browser runs these scripts once, as it
 * parses the page; React's hydration never runs them again.
 */
export async function pageTags(): Promise<{ head: ReactNode; body: ReactNode } | null> {
  const h = await headers();
  const surface = tagSurface(routedPathname(h.get(REQUEST_PATH_HEADER) ?? "/"));
  const nonce = nonceFromCsp(h.get("content-security-policy"));
  if (!surface || !nonce) return null;
  const t = await liveTagsFor(await getDb(), surface, nonce);
  if (!t) return null;
  const body = t.body.html(nonce);
  return {
    head: t.headNodes.map((n, i) => createElement(n.tag, props(n, i, nonce))),
    body: body ? createElement("div", { "data-marketing-tags": "", style: { display: "contents" }, suppressHydrationWarning: true, dangerouslySetInnerHTML: { __html: body } }) : null,
  };
}

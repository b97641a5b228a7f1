import { randomBytes } from "node:crypto";
import { parseFragment, serialize, type DefaultTreeAdapterTypes as T, type ParserError } from "parse5";

/**
 * The HTML side of marketing tags: what counts as a snippet, how one is
 * rewritten for a response (every `<script>` gets the response's nonce) and
 * which hosts it talks to. Everything goes through parse5, the parser that
 * follows the HTML standard's own algorithm, so we see a snippet the way the
 * browser will — never a regular expression over markup.
 */

export type SnippetName = "head" | "body";

/** Per snippet, in UTF-8 bytes: a tag manager's loader is well under 1 KB, a hand-built pixel set a few KB. */
export const SNIPPET_MAX_BYTES = 64 * 1024;

/** Top-level elements the head may hold. Anything else would end the <head> in the browser's parser (and break the React pages' hydration). */
export const HEAD_ELEMENTS = ["script", "noscript", "meta", "link", "style"] as const;

const NAME: Record<SnippetName, string> = { head: "The head snippet", body: "The body snippet" };
const HTML_NS = "http://www.w3.org/1999/xhtml";

type Node = T.ChildNode;
type Parent = T.ParentNode;

const isElement = (n: Node | Parent): n is T.Element => "tagName" in n;
const isText = (n: Node): n is T.TextNode => n.nodeName === "#text";

/** Every element below `root`, a <template>'s inert content included (it can be cloned into the page later). */
function* elements(root: Parent): Generator<T.Element> {
  for (const n of root.childNodes as Node[]) {
    if (!isElement(n)) continue;
    yield n;
    yield* elements(n);
    if (n.tagName === "template" && "content" in n) yield* elements((n as T.Template).content);
  }
}

/** A <script> in any namespace: an SVG <script> runs too, and needs the nonce as much. */
const isScript = (el: T.Element) => el.tagName === "script";

const attr = (el: T.Element, name: string) => el.attrs.find((a) => a.name === name)?.value;

/** The snippet as the browser will parse it: scripting on, so a <noscript>'s content stays raw text. */
function parse(text: string, onParseError?: (e: ParserError) => void, scriptingEnabled = true): T.DocumentFragment {
  return parseFragment(text, { scriptingEnabled, sourceCodeLocationInfo: !!onParseError, onParseError: onParseError ?? null });
}

/** UTF-8 size, what the 64 KB limit counts. */
export function snippetBytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

// C0 controls other than tab, line feed, form feed and carriage return, and DEL: a binary file or a corrupted paste, never markup.
const CONTROL = /[\u0000-\u0008\u000B\u000E-\u001F\u007F]/;
const URL_ATTRS = ["href", "src", "action", "formaction", "xlink:href", "data"];
const preview = (s: string) => {
  const t = s.trim().replace(/\s+/g, " ");
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
};

/**
 * What is wrong with a snippet, in one sentence, or null when it is fine (an
 * empty snippet is fine: no tag). "Is HTML" means, decided here:
 * - text, not binary: no NUL or other control character;
 * - markup parse5 reads to the end: nothing cut off inside a tag, a comment
 *   or a <script> (a truncated paste);
 * - at least one element, and no text outside the tags (a bare
 *   `gtag('js', …)` or a container id pasted on its own would show as text on
 *   every page; comments are fine, vendors wrap their snippets in them);
 * - head: only <script>, <noscript>, <meta>, <link>, <style> at the top;
 * - nothing the page's CSP would silently refuse (inline `on…` handlers,
 *   `javascript:` URLs) and no <base> or <plaintext>, which would take over
 *   the rest of the page;
 * - and the rewritten snippet reads back the same: every script keeps the nonce.
 * The size limit is checked apart (a 413, not a 400).
 */
export function snippetProblem(which: SnippetName, text: string): string | null {
  const name = NAME[which];
  if (text.trim() === "") return null;
  if (CONTROL.test(text)) return `${name} contains binary data (a NUL or another control character). Paste the snippet's HTML text as the tag vendor gives it.`;
  let cutOff: ParserError | undefined;
  const fragment = parse(text, (e) => {
    if (e.code.startsWith("eof-")) cutOff ??= e;
  });
  if (cutOff) return `${name} is cut off at line ${cutOff.startLine}: a tag, a comment or a <script> is never closed. Paste the whole snippet.`;
  let hasElement = false;
  for (const n of fragment.childNodes as Node[]) {
    if (isText(n) && n.value.trim() !== "") {
      return `${name} has text outside any tag (“${preview(n.value)}”). Code belongs inside <script>…</script>: paste the snippet exactly as the tag vendor gives it.`;
    }
    if (!isElement(n)) continue;
    hasElement = true;
    if (which === "head" && !(HEAD_ELEMENTS as readonly string[]).includes(n.tagName)) {
      return `The head snippet can hold only <script>, <noscript>, <meta>, <link> and <style> elements; move the <${n.tagName}> to the body snippet.`;
    }
  }
  if (!hasElement) return `${name} has no HTML tags. Paste the snippet the tag vendor gives you, <script> tags included.`;
  for (const el of elements(fragment)) {
    if (el.tagName === "base") return `${name} has a <base> element, which would redirect every link of the page; it is not allowed.`;
    if (el.tagName === "plaintext") return `${name} has a <plaintext> element, which would swallow the rest of the page; it is not allowed.`;
    for (const a of el.attrs) {
      if (/^on/i.test(a.name)) {
        return `${name} has an inline event handler (${a.name} on <${el.tagName}>). The page's Content-Security-Policy never runs those: put the code in a <script>.`;
      }
      if (URL_ATTRS.includes(a.name) && /^\s*javascript:/i.test(a.value)) {
        return `${name} has a javascript: URL (on <${el.tagName}>). The page's Content-Security-Policy never runs those: put the code in a <script>.`;
      }
    }
  }
  // The rewrite must not change what the browser sees: read it back and count the stamped scripts.
  const probe = "occprobe";
  const before = [...elements(fragment)].filter(isScript).length;
  const after = [...elements(parse(stampNonce(text, probe)))].filter(isScript);
  if (after.length !== before || after.some((s) => attr(s, "nonce") !== probe)) {
    return `${name} has markup that reads differently once rewritten for the page. Paste the snippet exactly as the tag vendor gives it.`;
  }
  return null;
}

/**
 * The snippet with `nonce="…"` on every <script> (a nonce already in it is
 * replaced: it was minted for another page), serialised by the parser. What
 * the browser parses out of the result is what parse5 parsed out of the
 * snippet, so no script can slip past the stamp.
 */
export function stampNonce(text: string, nonce: string): string {
  const fragment = parse(text);
  for (const el of elements(fragment)) {
    if (!isScript(el)) continue;
    el.attrs = [...el.attrs.filter((a) => a.name !== "nonce"), { name: "nonce", value: nonce }];
  }
  return serialize(fragment);
}

/**
 * A snippet rewritten once, with a slot where each response's nonce goes: a
 * saved snippet is parsed when it is saved (or first read), not per request.
 * The slot is 128 random bits minted per process, so no snippet can contain it.
 */
export type CompiledSnippet = { html: (nonce: string) => string };

const SLOT = `occ-nonce-${randomBytes(16).toString("hex")}`;
const attrEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function compileSnippet(text: string): CompiledSnippet {
  if (text.trim() === "") return { html: () => "" };
  const parts = stampNonce(text, SLOT).split(SLOT);
  return { html: (nonce) => parts.join(attrEscape(nonce)) };
}

/**
 * A head snippet's top-level elements, for pages React renders: each becomes
 * a React element of its own (React can't place raw HTML in <head>).
 * `text`: a <script>'s or <style>'s code; `inner`: a <noscript>'s raw content.
 */
export type HeadNode = { tag: (typeof HEAD_ELEMENTS)[number]; attrs: [string, string][]; text?: string; inner?: string };

export function headNodes(text: string): HeadNode[] {
  if (text.trim() === "") return [];
  const out: HeadNode[] = [];
  for (const n of parse(text).childNodes as Node[]) {
    if (!isElement(n) || n.namespaceURI !== HTML_NS || !(HEAD_ELEMENTS as readonly string[]).includes(n.tagName)) continue;
    const tag = n.tagName as HeadNode["tag"];
    const attrs = n.attrs.filter((a) => a.name !== "nonce").map((a) => [a.name, a.value] as [string, string]);
    const raw = (n.childNodes as Node[]).map((c) => (isText(c) ? c.value : "")).join("");
    out.push(tag === "noscript" ? { tag, attrs, inner: serialize(n) } : tag === "script" || tag === "style" ? { tag, attrs, text: raw } : { tag, attrs });
  }
  return out;
}

/** Hosts a snippet names, at most this many across both snippets and the allow-list (a CSP header has to stay a sane size). */
export const MAX_TAG_HOSTS = 40;

/** A DNS name with a real top-level label: no bare IP addresses, no localhost (a tag's host is a vendor's, never our own network). */
const HOST_RE = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]*[a-z][a-z0-9-]*$/;

/**
 * A URL as a CSP host-source: its scheme and host (and a port that isn't the
 * default). Protocol-relative `//host/…` keeps no scheme, so it matches the
 * page's own (and its https upgrade). Relative URLs are 'self' already;
 * other schemes, IPv6 literals (no CSP source can name one) and junk give null.
 */
export function hostSource(url: string): string | null {
  const rel = url.startsWith("//");
  let u: URL;
  try {
    u = new URL(rel ? `https:${url}` : url);
  } catch {
    return null;
  }
  // Only https: a tag loaded over plain http could be swapped on the way (the extra-hosts field has the same rule).
  if (u.protocol !== "https:") return null;
  if (!HOST_RE.test(u.hostname)) return null;
  const hostPort = u.port ? `${u.hostname}:${u.port}` : u.hostname;
  return rel ? hostPort : `${u.protocol}//${hostPort}`;
}

// Absolute URLs in code, and protocol-relative ones where a string starts (`'//connect.facebook.net/…'`), not `//comments`.
const CODE_URL = /\bhttps?:\/\/[^\s"'`<>\\)]+|(?<=["'`])\/\/[^\s"'`<>\\)]+/gi;

/**
 * The hosts a snippet loads from or talks to: <script src>, <img src>,
 * <iframe src>, <link href> (also inside <noscript>, which is read as markup
 * here), and URLs written in inline scripts (the GTM loader builds
 * `https://www.googletagmanager.com/gtm.js?id=…` in code). Sorted, unique.
 */
export function snippetHosts(text: string): string[] {
  if (text.trim() === "") return [];
  const found = new Set<string>();
  const add = (u: string | undefined) => {
    const h = u ? hostSource(u.trim()) : null;
    if (h) found.add(h);
  };
  const walk = (root: Parent) => {
    for (const el of elements(root)) {
      if (el.tagName === "script" || el.tagName === "img" || el.tagName === "iframe") add(attr(el, "src"));
      if (el.tagName === "link") add(attr(el, "href"));
      if (el.tagName === "script") {
        const code = (el.childNodes as Node[]).map((c) => (isText(c) ? c.value : "")).join("");
        for (const m of code.matchAll(CODE_URL)) add(m[0]);
      }
    }
  };
  // Scripting off: a <noscript>'s <img>/<iframe> are elements, not text.
  walk(parse(text, undefined, false));
  return [...found].sort();
}

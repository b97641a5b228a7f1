import { parseFragment, type DefaultTreeAdapterTypes as T } from "parse5";
import { describe, expect, it } from "vitest";
import { compileSnippet, headNodes, hostSource, SNIPPET_MAX_BYTES, snippetHosts, snippetProblem, stampNonce } from "../tags-html";
import { parseExtraHost, tagHosts } from "../tags";
import { GTM_BODY, GTM_HEAD } from "./fixtures";

const META_PIXEL = `<script>!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){};t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');fbq('init', '123');</script>
<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=123&ev=PageView&noscript=1"/></noscript>`;

/** Every <script> element of some HTML as the browser would read it (scripting on), in any namespace, template content included. */
function scriptsOf(html: string): T.Element[] {
  const out: T.Element[] = [];
  const walk = (p: T.ParentNode) => {
    for (const n of p.childNodes) {
      if (!("tagName" in n)) continue;
      if (n.tagName === "script") out.push(n);
      walk(n);
      if (n.tagName === "template") walk((n as T.Template).content);
    }
  };
  walk(parseFragment(html, { scriptingEnabled: true }));
  return out;
}
const nonceOf = (el: T.Element) => el.attrs.filter((a) => a.name === "nonce").map((a) => a.value);

describe("what counts as a snippet (snippetProblem)", () => {
  it("takes vendors' snippets as they come: GTM's two parts, a Meta pixel, verification tags, an empty snippet", () => {
    expect(snippetProblem("head", GTM_HEAD)).toBeNull();
    expect(snippetProblem("body", GTM_BODY)).toBeNull();
    expect(snippetProblem("head", META_PIXEL)).toBeNull();
    expect(snippetProblem("head", `<meta name="google-site-verification" content="abc"><link rel="preconnect" href="https://www.googletagmanager.com">`)).toBeNull();
    expect(snippetProblem("body", `<div id="consent-banner"><p>We use cookies</p></div><script src="https://cdn.example.com/c.js" async></script>`)).toBeNull();
    expect(snippetProblem("head", "")).toBeNull();
    expect(snippetProblem("body", "  \n ")).toBeNull();
  });

  it("refuses what isn't HTML, each with its reason", () => {
    expect(snippetProblem("head", "gtag('js', new Date()); gtag('config', 'G-XXXX');")).toBe(
      "The head snippet has text outside any tag (“gtag('js', new Date()); gtag('config', '…”). Code belongs inside <script>…</script>: paste the snippet exactly as the tag vendor gives it.",
    );
    expect(snippetProblem("head", "GTM-TEST123")).toMatch(/text outside any tag/);
    expect(snippetProblem("body", '{"container":"GTM-TEST123"}')).toMatch(/^The body snippet has text outside any tag/);
    expect(snippetProblem("body", "<script>ok()</script> stray words")).toMatch(/text outside any tag \(“stray words”\)/);
    expect(snippetProblem("head", "<!-- only a comment -->")).toMatch(/has no HTML tags/);
  });

  it("refuses binary: a NUL or another control character", () => {
    expect(snippetProblem("head", "<script>a()</script>\u0000")).toMatch(/^The head snippet contains binary data/);
    expect(snippetProblem("body", "\u0089PNG\r\n\u001a\n\u0000\u0000")).toMatch(/binary data/);
    // Tabs, line ends and form feeds are text.
    expect(snippetProblem("head", "<script>\ta()\r\n\f</script>")).toBeNull();
  });

  it("refuses a cut-off paste, saying where", () => {
    expect(snippetProblem("head", "<script>\nfoo()")).toBe("The head snippet is cut off at line 2: a tag, a comment or a <script> is never closed. Paste the whole snippet.");
    expect(snippetProblem("head", '<script src="https://x.example.com/a.js"')).toMatch(/cut off at line 1/);
    expect(snippetProblem("body", "<div><!-- unclosed")).toMatch(/cut off/);
  });

  it("keeps the head to what a head can hold", () => {
    expect(snippetProblem("head", "<div>banner</div>")).toBe(
      "The head snippet can hold only <script>, <noscript>, <meta>, <link> and <style> elements; move the <div> to the body snippet.",
    );
    expect(snippetProblem("head", "<svg><script>a()</script></svg>")).toMatch(/move the <svg>/);
    expect(snippetProblem("body", "<div>banner</div>")).toBeNull();
  });

  it("refuses what the CSP would silently drop, and what would take over the page", () => {
    expect(snippetProblem("body", `<img src="https://t.example.com/p.gif" onload="track()">`)).toMatch(/inline event handler \(onload on <img>\)/);
    expect(snippetProblem("body", `<a href=" javascript:alert(1)">x</a>`)).toMatch(/javascript: URL/);
    expect(snippetProblem("head", `<link rel="stylesheet" href="/x.css"><base href="https://evil.example">`)).toMatch(/move the <base>/);
    expect(snippetProblem("body", `<div><base href="https://evil.example"></div>`)).toMatch(/<base> element/);
    expect(snippetProblem("body", "<plaintext>")).toMatch(/<plaintext>/);
  });

  it("a 1 MB snippet is still only text to this check (the size limit is the verb's: 413)", () => {
    expect(SNIPPET_MAX_BYTES).toBe(64 * 1024);
    const big = `<script>/*${"x".repeat(1024 * 1024)}*/</script>`;
    expect(snippetProblem("head", big)).toBeNull();
  });
});

describe("the nonce stamp (stampNonce, compileSnippet)", () => {
  it("stamps every script, and only scripts, and replaces a nonce the snippet brought", () => {
    const out = stampNonce(`${GTM_HEAD}<script nonce="stale" src="https://a.example.com/x.js" async></script><link rel="preconnect" href="https://a.example.com">`, "N0nce+/=");
    const scripts = scriptsOf(out);
    expect(scripts).toHaveLength(2);
    for (const s of scripts) expect(nonceOf(s)).toEqual(["N0nce+/="]);
    expect(out).not.toContain("stale");
    expect(out).toContain('<link rel="preconnect" href="https://a.example.com">');
    // The code itself is untouched.
    expect(out).toContain("'https://www.googletagmanager.com/gtm.js?id='+i+dl");
  });

  it("no script escapes: SVG scripts, template content, scripts split by a stray </script>, odd spellings", () => {
    const tricky = [
      "<svg><script>svg()</script></svg>",
      "<template><script>later()</script></template>",
      `<script>var s = "</script><script>second()</script>`,
      "<SCRIPT>upper()</SCRIPT>",
      "<script\nsrc='https://x.example.com/a.js'></script>",
      "<div><p><script>deep()</script></p></div>",
      "<table><script>inTable()</script></table>",
      "<noscript><script>never()</script></noscript>",
    ].join("\n");
    expect(snippetProblem("body", tricky)).toBeNull();
    const out = stampNonce(tricky, "abc");
    const scripts = scriptsOf(out);
    // svg, template, the two halves, upper, src, deep, table (the <noscript> one is text when scripting is on).
    expect(scripts).toHaveLength(8);
    for (const s of scripts) expect(nonceOf(s), JSON.stringify(s.attrs)).toEqual(["abc"]);
    // Re-stamping the output changes nothing: the browser reads what we wrote.
    expect(stampNonce(out, "abc")).toBe(out);
  });

  it("a nonce with markup characters can't break out of the attribute", () => {
    const out = compileSnippet("<script>a()</script>").html(`x" onload="evil()`);
    const [s] = scriptsOf(out);
    expect(nonceOf(s)).toEqual([`x" onload="evil()`]);
    expect(s.attrs.map((a) => a.name)).toEqual(["nonce"]);
  });

  it("compiles once, stamps per response", () => {
    const c = compileSnippet(GTM_HEAD);
    const a = c.html("first");
    const b = c.html("second");
    expect(nonceOf(scriptsOf(a)[0])).toEqual(["first"]);
    expect(nonceOf(scriptsOf(b)[0])).toEqual(["second"]);
    expect(a.replace("first", "second")).toBe(b);
    expect(compileSnippet("  ").html("n")).toBe("");
  });

  it("splits a head snippet into elements for React, without the nonce the snippet brought", () => {
    expect(headNodes(`${GTM_HEAD}<noscript><img src="https://t.example.com/p.gif"></noscript><meta name="x" content="y"><script async nonce="old" src="https://a.example.com/x.js"></script>`)).toEqual([
      { tag: "script", attrs: [], text: expect.stringContaining("gtm.js") },
      { tag: "noscript", attrs: [], inner: '<img src="https://t.example.com/p.gif">' },
      { tag: "meta", attrs: [["name", "x"], ["content", "y"]] },
      { tag: "script", attrs: [["async", ""], ["src", "https://a.example.com/x.js"]], text: "" },
    ]);
  });
});

describe("the hosts a snippet needs (snippetHosts, extra hosts)", () => {
  it("derives them from src/href attributes, <noscript> content and URLs in inline code", () => {
    expect(snippetHosts(GTM_HEAD)).toEqual(["https://www.googletagmanager.com"]);
    expect(snippetHosts(GTM_BODY)).toEqual(["https://www.googletagmanager.com"]);
    expect(snippetHosts(META_PIXEL)).toEqual(["https://connect.facebook.net", "https://www.facebook.com"]);
    expect(
      snippetHosts(`<script src="//cdn.example.com/a.js"></script><link href="https://fonts.example.org:8443/x.css" rel="stylesheet"><img src="/relative.gif"><iframe src="https://frame.example.net/x"></iframe>`),
    ).toEqual(["cdn.example.com", "https://fonts.example.org:8443", "https://frame.example.net"]);
    // A protocol-relative string; not comments, relative paths, plain http, IP addresses, localhost or other schemes.
    expect(
      snippetHosts(
        `<script>// comment\nload('http://127.0.0.1:4123/child.js'); x = "//beacon.example.com/b"; y = 'data:text/plain,hi'; z = "http://[::1]:9/x"; w = "http://plain.example.com/p"; v = "https://10.0.0.8/x"; u = "https://localhost/x";</script>`,
      ),
    ).toEqual(["beacon.example.com"]);
  });

  it("reads a URL as a CSP host-source", () => {
    expect(hostSource("https://WWW.Example.com/path?q=1")).toBe("https://www.example.com");
    expect(hostSource("https://example.com:443/")).toBe("https://example.com");
    expect(hostSource("//cdn.example.com/x")).toBe("cdn.example.com");
    expect(hostSource("javascript:alert(1)")).toBeNull();
    expect(hostSource("https://exa mple.com")).toBeNull();
    expect(hostSource("https://[::1]/")).toBeNull();
  });

  it("takes extra hosts as https origins or wildcards only", () => {
    expect(parseExtraHost("https://www.google-analytics.com")).toEqual({ host: "https://www.google-analytics.com" });
    expect(parseExtraHost("*.google-analytics.com")).toEqual({ host: "https://*.google-analytics.com" });
    expect(parseExtraHost(" HTTPS://Region1.Example.com:8443/ ")).toEqual({ host: "https://region1.example.com:8443" });
    for (const bad of ["http://plain.example.com", "*", "https://*", "https://example.com/path", "'unsafe-inline'", "https://x.test; script-src *", "example", "https://*.*.example.com"]) {
      expect(parseExtraHost(bad), bad).toHaveProperty("error");
    }
  });

  it("all hosts, once each, sorted", () => {
    expect(tagHosts({ head: GTM_HEAD, body: GTM_BODY, extraHosts: ["https://*.google-analytics.com", "https://www.googletagmanager.com"] })).toEqual([
      "https://*.google-analytics.com",
      "https://www.googletagmanager.com",
    ]);
  });
});

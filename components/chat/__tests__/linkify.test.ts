import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Linkified } from "../linkify";

const html = (text: string) => renderToStaticMarkup(createElement(Linkified, { text }));
const link = (href: string, shown = href) =>
  `<a href="${href}" target="_blank" rel="noopener noreferrer" class="underline break-all">${shown}</a>`;

describe("Linkified", () => {
  it("links http and https URLs, opening in a new tab without referrer or opener", () => {
    expect(html("Docs: https://example.com and http://example.org/a?b=1")).toBe(
      `Docs: ${link("https://example.com/", "https://example.com")} and ${link("http://example.org/a?b=1")}`,
    );
  });

  it("gives a bare www. address https", () => {
    expect(html("see www.example.com")).toBe(`see ${link("https://www.example.com/", "www.example.com")}`);
  });

  it("links a URL with parentheses whole, and leaves trailing punctuation out", () => {
    expect(html("Read https://en.wikipedia.org/wiki/Foo_(bar).")).toBe(`Read ${link("https://en.wikipedia.org/wiki/Foo_(bar)")}.`);
    expect(html("(see https://example.com/a)")).toBe(`(see ${link("https://example.com/a")})`);
    expect(html("Really? https://example.com/x!")).toBe(`Really? ${link("https://example.com/x")}!`);
    expect(html("https://example.com/a, https://example.com/b;")).toBe(`${link("https://example.com/a")}, ${link("https://example.com/b")};`);
  });

  it("leaves emails, mailto:, ftp: and javascript: as text", () => {
    for (const text of ["write to a@example.com", "mailto:a@example.com", "ftp://example.com/file", "javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", "data:text/html,<b>x</b>"]) {
      const out = html(text);
      expect(out, text).not.toContain("<a");
    }
    expect(html("javascript:alert(1)")).toBe("javascript:alert(1)");
  });

  it("never turns text into markup", () => {
    expect(html(`<img src=x onerror=alert(1)> & "quotes"`)).toBe("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;");
    // A quote inside a URL can't break out of the attribute.
    const out = html(`https://example.com/"onmouseover="alert(1)`);
    const attributes = [...out.matchAll(/\s([a-z-]+)="[^"]*"/g)].map((m) => m[1]);
    expect(attributes).toEqual(["href", "target", "rel", "class"]);
    expect(out).toContain('href="https://example.com/%22onmouseover=%22alert(1)"');
  });

  it("keeps line breaks and plain text as they are", () => {
    expect(html("line one\nline two https://example.com/x\n")).toBe(`line one\nline two ${link("https://example.com/x")}\n`);
    expect(html("")).toBe("");
  });
});

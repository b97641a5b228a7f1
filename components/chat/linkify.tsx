import { Fragment } from "react";

const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;

/**
 * Text as text, with http(s) URLs as links. React escapes everything else, and
 * only http/https ever reach an href — never javascript:, data: or vbscript:.
 */
export function Linkified({ text }: { text: string }) {
  const parts: React.ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const url = m[0];
    const i = m.index ?? 0;
    let safe: string | null = null;
    try {
      const u = new URL(url);
      if (u.protocol === "http:" || u.protocol === "https:") safe = u.href;
    } catch {
      safe = null;
    }
    if (!safe) continue;
    if (i > last) parts.push(text.slice(last, i));
    parts.push(
      <a key={i} href={safe} target="_blank" rel="noopener noreferrer" className="underline break-all">
        {url}
      </a>,
    );
    last = i + url.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts.map((p, i) => <Fragment key={i}>{p}</Fragment>)}</>;
}

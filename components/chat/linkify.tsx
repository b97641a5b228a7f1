import { Fragment } from "react";
import { tokenize } from "linkifyjs";

/** Only these ever reach an href: never javascript:, data:, vbscript:, nor mailto: or ftp:. */
const SAFE_PROTOCOLS = new Set(["http:", "https:"]);

/** The link's href when it is a web link (`www.example.com` gets https), else null. */
function webHref(token: ReturnType<typeof tokenize>[number]): string | null {
  if (token.t !== "url") return null;
  try {
    const u = new URL(token.toHref("https"));
    return SAFE_PROTOCOLS.has(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * Text as text, with web links as links. linkifyjs finds them (balanced
 * parentheses inside a URL, trailing punctuation left out); React escapes
 * everything, so message text never becomes markup.
 */
export function Linkified({ text }: { text: string }) {
  return (
    <>
      {tokenize(text).map((token, i) => {
        const href = webHref(token);
        const shown = token.toString();
        if (!href) return <Fragment key={i}>{shown}</Fragment>;
        return (
          <a key={i} href={href} target="_blank" rel="noopener noreferrer" className="underline break-all">
            {shown}
          </a>
        );
      })}
    </>
  );
}

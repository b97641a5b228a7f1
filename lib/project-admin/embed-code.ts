/**
 * The embed codes the Projects page offers for copying. Import-free, so the
 * editor (a client component) and tests share it. Every URL is absolute and
 * built from APP_URL (never the Host header of whoever opened the page): an
 * admin on an internal address must not hand customers that address.
 *
 * The attributes are the widget's contract (widget/widget.ts, bundled to
 * public/widget/widget.js; widget/lead-form.ts to public/widget/lead-form.js):
 * `data-project` (the slug; left off → the default project), `data-position`
 * (right | left), `data-cp-open` on any element to open the panel, and
 * `data-mode="popup"` for the centred popup that opens on page load, at most
 * once per 7 hours per browser and project.
 */
export type EmbedKind = "widget" | "trigger" | "popup" | "leadForm";

export type EmbedCode = { kind: EmbedKind; title: string; description: string; code: string };

const attr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

export function widgetScriptUrl(appUrl: string): string {
  return `${appUrl.replace(/\/$/, "")}/widget/widget.js`;
}

export function leadFormScriptUrl(appUrl: string): string {
  return `${appUrl.replace(/\/$/, "")}/widget/lead-form.js`;
}

/** The project's own page (/p/{slug}): the ad landing page. */
export function projectPageUrl(appUrl: string, slug: string): string {
  return `${appUrl.replace(/\/$/, "")}/p/${encodeURIComponent(slug)}`;
}

export function embedCodes(p: { appUrl: string; slug: string; widgetPosition: "right" | "left" }): EmbedCode[] {
  const slug = attr(p.slug);
  const widget = `<script async\n  src="${attr(widgetScriptUrl(p.appUrl))}"\n  data-project="${slug}"\n  data-position="${p.widgetPosition}"></script>`;
  return [
    {
      kind: "widget",
      title: "Standard widget",
      description: "One script tag before </body> adds the chat bubble to any page of an allowed site.",
      code: widget,
    },
    {
      kind: "trigger",
      title: "Trigger link",
      description: "Any link or button with data-cp-open opens the chat panel (the widget script must be on the page).",
      code: `<a href="#" data-cp-open>Chat with us</a>`,
    },
    {
      kind: "popup",
      title: "Popup modal",
      description: "Opens the chat in a centred popup on page load, at most once every 7 hours per browser.",
      code: `<script async\n  src="${attr(widgetScriptUrl(p.appUrl))}"\n  data-project="${slug}"\n  data-mode="popup"></script>`,
    },
    {
      kind: "leadForm",
      title: "Web lead form",
      description: "Sends the page's own form submissions (name, phone, email, page URL, UTM) to the CRM as leads.",
      code: `<script src="${attr(leadFormScriptUrl(p.appUrl))}"\n  data-project="${slug}"></script>`,
    },
  ];
}

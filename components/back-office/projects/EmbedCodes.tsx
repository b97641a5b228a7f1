"use client";

import { embedCodes, projectPageUrl } from "@/lib/project-admin/embed-code";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The saved project's page link and embed codes, each with a copy button.
 * URLs are built from APP_URL (passed in by the page), never from the address
 * the admin happens to use.
 */
export function EmbedCodes({ appUrl, appUrlConfigured, slug, widgetPosition }: { appUrl: string; appUrlConfigured: boolean; slug: string; widgetPosition: "right" | "left" }) {
  const toast = useToast();
  const page = projectPageUrl(appUrl, slug);
  const items = [{ kind: "page", title: "Visitor page", description: "Point ads and links here: the page captures the lead and starts the chat.", code: page }, ...embedCodes({ appUrl, slug, widgetPosition })];
  return (
    <section aria-labelledby="embed-codes-title" className={`${ui.card} space-y-4 p-4`}>
      <div>
        <h2 id="embed-codes-title" className="text-base font-semibold">
          Embed codes
        </h2>
        <p className="mt-0.5 text-sm text-slate-600">Paste these into the customer&apos;s site. Embedding works only on the allowed origins above.</p>
        {!appUrlConfigured ? (
          <p className="mt-2 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800">
            APP_URL isn&apos;t set, so these use this server&apos;s local address. Set APP_URL to the public address before sharing them.
          </p>
        ) : null}
      </div>
      {items.map((item) => (
        <div key={item.kind} className="space-y-1.5">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h3 className="text-sm font-medium">{item.title}</h3>
            <button
              type="button"
              className={ui.button.secondary}
              aria-label={`Copy ${item.title.toLowerCase()} code`}
              onClick={async () => {
                const ok = await copy(item.code);
                toast(ok ? `${item.title} code copied.` : "Couldn't copy: select the code and copy it yourself.", ok ? "success" : "error");
              }}
            >
              Copy
            </button>
          </div>
          <p className="text-xs text-slate-500">{item.description}</p>
          <pre aria-label={`${item.title} code`} className="overflow-x-auto rounded-md bg-slate-900 px-3 py-2 text-xs leading-relaxed text-slate-100">
            <code>{item.code}</code>
          </pre>
        </div>
      ))}
    </section>
  );
}

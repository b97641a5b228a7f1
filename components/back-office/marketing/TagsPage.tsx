"use client";

import { useEffect, useId, useState } from "react";
import { ApiError, apiRequest, errorText } from "@/components/ui/api";
import { Described, FormAlert, SwitchField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { useServerPage } from "@/components/ui/useServerPage";
import type { MarketingTagsView } from "@/lib/marketing/update-marketing-tags";
import { MarketingSection, type MarketingTab } from "./MarketingTabs";

const TAGS_URL = "/api/marketing/tags";

/**
 * Marketing → Tags (admins and managers, `marketing.tags`): a head and a
 * body snippet — a tag manager's two parts, a pixel — and the pages they run
 * on. Saved at once and live on the next page load; the server checks that
 * each snippet is HTML, stamps every script with the page's nonce and opens
 * the page's CSP to the hosts the snippets name.
 */
export function TagsPage({ base, tabs }: { base: string; tabs: readonly MarketingTab[] }) {
  const page = useServerPage<MarketingTagsView>(TAGS_URL);
  return (
    <MarketingSection base={base} current="tags" allowed={tabs}>
      {page.status === "error" && !page.data ? (
        <div role="alert" className={`${ui.alert} flex flex-wrap items-center gap-3`}>
          <span>Couldn&apos;t load the tags: {page.error}</span>
          <button type="button" className={ui.button.secondary} onClick={() => page.reload()}>
            Try again
          </button>
        </div>
      ) : !page.data ? (
        <p role="status" className="text-sm text-slate-500">
          Loading tags…
        </p>
      ) : (
        <TagsForm saved={page.data} />
      )}
    </MarketingSection>
  );
}

type Draft = { head: string; body: string; visitorPages: boolean; staffPages: boolean; hostsText: string };

const toDraft = (v: MarketingTagsView): Draft => ({ head: v.head, body: v.body, visitorPages: v.visitorPages, staffPages: v.staffPages, hostsText: v.extraHosts.join("\n") });
const hostLines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);
const sameDraft = (a: Draft, b: Draft) =>
  a.head === b.head && a.body === b.body && a.visitorPages === b.visitorPages && a.staffPages === b.staffPages && hostLines(a.hostsText).join("\n") === hostLines(b.hostsText).join("\n");

const kb = (bytes: number) => (bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1).replace(/\.0$/, "")} KB`);
const utf8Bytes = (s: string) => new TextEncoder().encode(s).byteLength;

function TagsForm({ saved: initial }: { saved: MarketingTagsView }) {
  const toast = useToast();
  const id = useId();
  const [saved, setSaved] = useState(initial);
  const [draft, setDraft] = useState<Draft>(() => toDraft(initial));
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dirty = !sameDraft(draft, toDraft(saved));
  // Tags on staff pages run in the admin's console too: while they are on, only an admin changes them.
  const locked = saved.staffPages && !saved.canStaffPages;
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  // Leaving with unsaved snippets loses them: the browser asks first.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFields({});
    setError(null);
    const hosts = hostLines(draft.hostsText);
    try {
      const view = await apiRequest<MarketingTagsView>(TAGS_URL, {
        method: "PUT",
        json: { head: draft.head, body: draft.body, visitorPages: draft.visitorPages, staffPages: draft.staffPages, extraHosts: hosts },
      });
      setSaved(view);
      setDraft(toDraft(view));
      toast("Tags saved. They are live on the next page load.");
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length) {
        const f: Record<string, string> = {};
        for (const [k, message] of Object.entries(err.fields)) {
          const m = /^extraHosts\.(\d+)$/.exec(k);
          if (m) f.extraHosts = f.extraHosts ? `${f.extraHosts} ${message}` : message;
          else f[k] = message;
        }
        setFields(f);
        setError(err.status === 413 ? err.message : "The tags were not saved: fix what is marked below.");
      } else setError(errorText(err));
      toast("The tags were not saved.", "error");
    }
    setBusy(false);
  }

  const limit = saved.limits.snippetBytes;
  const snippet = (which: "head" | "body", label: string, hint: React.ReactNode, placeholder: string) => {
    const fid = `${id}-${which}`;
    const bytes = utf8Bytes(draft[which]);
    return (
      <div>
        <div className="mb-1 flex flex-wrap items-baseline justify-between gap-2">
          <label htmlFor={fid} className="block text-sm font-medium">
            {label}
          </label>
          <span id={`${fid}-size`} className={`text-xs ${bytes > limit ? "font-medium text-red-700" : "text-slate-500"}`}>
            {kb(bytes)} of {kb(limit)}
          </span>
        </div>
        <textarea
          id={fid}
          value={draft[which]}
          rows={which === "head" ? 9 : 5}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          disabled={busy}
          readOnly={locked}
          placeholder={placeholder}
          aria-invalid={fields[which] ? true : undefined}
          aria-describedby={`${fields[which] ? `${fid}-error` : `${fid}-hint`} ${fid}-size`}
          onChange={(e) => set(which, e.target.value)}
          className={`${ui.input} font-mono text-xs leading-5`}
        />
        <Described id={fid} error={fields[which]} hint={hint} />
      </div>
    );
  };

  return (
    <form onSubmit={save} noValidate className="space-y-4">
      <FormAlert>{error}</FormAlert>
      {locked ? (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          These tags also run on staff pages, the admin console included, so only an admin can change them now.
        </p>
      ) : null}
      <div className={`${ui.card} space-y-4 p-4`}>
        <div>
          <h3 className="font-semibold">Snippets</h3>
          <p className="text-sm text-slate-600">Paste the code exactly as the tag vendor gives it. Every script in it gets the page&apos;s security nonce, so it runs under the page&apos;s Content-Security-Policy.</p>
        </div>
        {snippet(
          "head",
          "Head snippet",
          <>
            Placed at the end of <code>&lt;head&gt;</code>. For Google Tag Manager, its first part (the <code>&lt;script&gt;</code> that loads gtm.js); also a gtag.js or Meta Pixel base code, or site-verification <code>&lt;meta&gt;</code> tags. Only{" "}
            <code>&lt;script&gt;</code>, <code>&lt;noscript&gt;</code>, <code>&lt;meta&gt;</code>, <code>&lt;link&gt;</code> and <code>&lt;style&gt;</code>.
          </>,
          "<!-- Google Tag Manager -->\n<script>(function(w,d,s,l,i){…})(window,document,'script','dataLayer','GTM-XXXXXXX');</script>\n<!-- End Google Tag Manager -->",
        )}
        {snippet(
          "body",
          "Body snippet",
          <>
            Placed right after <code>&lt;body&gt;</code> opens. For Google Tag Manager, its second part (the <code>&lt;noscript&gt;</code> iframe for visitors without JavaScript).
          </>,
          '<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-XXXXXXX" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>',
        )}
      </div>

      <div role="group" aria-labelledby={`${id}-where`} className={`${ui.card} space-y-4 p-4`}>
        <h3 id={`${id}-where`} className="font-semibold">
          Where the tags run
        </h3>
        <SwitchField
          label="Visitor pages"
          checked={draft.visitorPages}
          disabled={busy || locked}
          onChange={(v) => set("visitorPages", v)}
          hint="The landing page of every project (/p/…) and the visitor's chat page, also when a signed-in staff member opens them. On by default."
        />
        <div className="space-y-2">
          <SwitchField
            label="Staff pages"
            checked={draft.staffPages}
            disabled={busy || !saved.canStaffPages}
            onChange={(v) => set("staffPages", v)}
            hint={
              saved.canStaffPages
                ? "The admin, manager, agent and QA consoles, sign-in and account pages. Off by default."
                : "The admin, manager, agent and QA consoles, sign-in and account pages. Only an admin can turn this on."
            }
          />
          <p role={draft.staffPages && !saved.staffPages ? "alert" : undefined} className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            <strong className="font-semibold">Warning:</strong> a script on staff pages runs as the signed-in staff member. It can read everything the console shows — chats, leads, phone numbers — and act with their rights. Turn this on only for tags you fully trust.
          </p>
        </div>
        <p className="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700">The embeddable widget is never affected: it runs in a Shadow DOM on your customer&apos;s site.</p>
      </div>

      <div className={`${ui.card} space-y-3 p-4`}>
        <div>
          <h3 className="font-semibold">Allowed hosts</h3>
          <p className="text-sm text-slate-600">
            Where tags run, the page&apos;s Content-Security-Policy lets them load scripts, images and frames from, and connect to, the hosts the snippets name. Add the hosts a tag only reaches once it runs.
          </p>
        </div>
        <div>
          <label htmlFor={`${id}-hosts`} className="mb-1 block text-sm font-medium">
            Extra hosts, one per line
          </label>
          <textarea
            id={`${id}-hosts`}
            value={draft.hostsText}
            rows={4}
            spellCheck={false}
            autoCapitalize="off"
            autoCorrect="off"
            disabled={busy}
            readOnly={locked}
            placeholder={"https://www.google-analytics.com\nhttps://*.google-analytics.com"}
            aria-invalid={fields.extraHosts ? true : undefined}
            aria-describedby={fields.extraHosts ? `${id}-hosts-error` : `${id}-hosts-hint`}
            onChange={(e) => set("hostsText", e.target.value)}
            className={`${ui.input} font-mono text-xs leading-5`}
          />
          <Described id={`${id}-hosts`} error={fields.extraHosts} hint="An https origin (https://example.com) or a wildcard for its subdomains (https://*.example.com); no paths." />
        </div>
        <div>
          <h4 className="text-sm font-medium">Allowed now</h4>
          {saved.hosts.length ? (
            <ul aria-label="Hosts allowed now" className="mt-1 flex flex-wrap gap-1.5">
              {saved.hosts.map((h) => (
                <li key={h} className="rounded bg-slate-100 px-2 py-0.5 font-mono text-xs text-slate-700">
                  {h}
                </li>
              ))}
            </ul>
          ) : (
            <p className="mt-1 text-sm text-slate-500">No hosts beyond our own: the saved snippets name none.</p>
          )}
        </div>
      </div>

      <div className="flex flex-wrap items-center justify-end gap-3">
        {dirty ? <span className="text-sm text-slate-500">Unsaved changes</span> : null}
        <button type="button" className={ui.button.secondary} disabled={busy || !dirty} onClick={() => (setDraft(toDraft(saved)), setFields({}), setError(null))}>
          Discard changes
        </button>
        <button type="submit" className={ui.button.primary} disabled={busy || !dirty || locked}>
          {busy ? "Saving…" : "Save tags"}
        </button>
      </div>
    </form>
  );
}

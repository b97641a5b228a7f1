"use client";

import { AttributionList, routingSentence } from "@/components/chat/VisitorDetails";
import type { ConversationDTO } from "@/lib/wire";
import type { ConversationDetails } from "./api";

const WHEN = typeof Intl !== "undefined" ? new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }) : null;
const when = (iso: string) => (WHEN ? WHEN.format(new Date(iso)) : iso);

const str = (v: unknown) => (v === null || v === undefined || v === "" ? null : String(v));
const joined = (...parts: unknown[]) => parts.map(str).filter(Boolean).join(" · ") || null;

/**
 * Who the visitor is, on top of the chat modal: contact, the IP captured at
 * chat start (only for those who may see it), first seen, and the attribution
 * that matters at a glance; the full list below, folded.
 */
export function VisitorSummary({ details, conversation: c }: { details: ConversationDetails; conversation: ConversationDTO }) {
  const a = details.attribution;
  const facts: [string, React.ReactNode][] = [
    ["Phone", <a key="p" href={`tel:${c.visitor.phone}`} className="text-blue-700 underline-offset-2 hover:underline">{c.visitor.phone}</a>],
    ["Email", <a key="e" href={`mailto:${c.visitor.email}`} className="break-all text-blue-700 underline-offset-2 hover:underline">{c.visitor.email}</a>],
  ];
  if (details.ip) facts.push(["IP at chat start", <span key="ip" className="font-mono text-[13px]">{details.ip}</span>]);
  if (details.firstSeenAt) facts.push(["First seen", <time key="fs" dateTime={details.firstSeenAt}>{when(details.firstSeenAt)}</time>]);
  facts.push(["Chat started", <time key="cs" dateTime={c.createdAt}>{when(c.createdAt)}</time>]);
  if (a) {
    const source = joined(a.utmSource, a.utmMedium, a.utmCampaign) ?? str(a.sourceDomain) ?? (a.referrer ? null : "Direct");
    if (source) facts.push(["Source", source]);
    const device = joined(a.deviceType, a.os, a.browser);
    if (device) facts.push(["Device", device]);
    const place = [a.geoCity, a.geoRegion, a.geoCountry].map(str).filter(Boolean).join(", ");
    if (place) facts.push(["Location", place]);
  }

  return (
    <section aria-label="Visitor" className="border-b border-slate-200 bg-white px-3 py-3 sm:px-4">
      <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:gap-x-6 lg:grid-cols-4">
        {facts.map(([label, value]) => (
          <div key={label} className="min-w-0">
            <dt className="text-xs text-slate-500">{label}</dt>
            <dd className="truncate text-slate-900">{value}</dd>
          </div>
        ))}
      </dl>
      {details.routingNote ? <p className="mt-2 text-xs text-slate-600">{routingSentence(details.routingNote)}</p> : null}
      <details className="mt-2 text-xs">
        <summary className="cursor-pointer text-slate-600">All attribution details</summary>
        {a ? <AttributionList attribution={a} /> : <p className="py-1 text-slate-500">No attribution was captured for this chat.</p>}
      </details>
    </section>
  );
}

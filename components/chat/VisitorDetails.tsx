"use client";

import { useEffect, useState } from "react";
import type { RoutingNote, SkipReason } from "@/lib/wire";

const SKIP: Record<SkipReason, string> = {
  no_live_chat: "no Live Chat",
  on_break: "on break",
  absent: "not connected",
  full: "at their limit",
  same_phone: "already chatting with this phone number",
};

/** Why the chat is where it is, in a sentence a supervisor can check. */
export function routingSentence(n: RoutingNote): string {
  if (n.kind === "picked") return `${n.agent.name} picked it from the queue.`;
  if (n.kind === "assigned") return `${n.by?.name ?? "A supervisor"} assigned it to ${n.agent.name}.`;
  const skipped = n.skipped ?? [];
  const place = !n.position || n.position === 1 ? "next in the rotation" : `number ${n.position} in the rotation`;
  const head = `Round-robin gave it to ${n.agent.name}, ${place}.`;
  if (skipped.length === 0) return head;
  return `${head} Skipped: ${skipped.map((s) => `${s.name} (${SKIP[s.reason]})`).join(", ")}.`;
}

const FIELDS: [string, string][] = [
  ["utmSource", "UTM source"],
  ["utmMedium", "UTM medium"],
  ["utmCampaign", "UTM campaign"],
  ["utmTerm", "UTM term"],
  ["utmContent", "UTM content"],
  ["gclid", "gclid"],
  ["fbclid", "fbclid"],
  ["referrer", "Referrer"],
  ["landingUrl", "Landing URL"],
  ["sourceDomain", "Source domain"],
  ["deviceType", "Device"],
  ["deviceBrand", "Brand"],
  ["os", "OS"],
  ["browser", "Browser"],
  ["language", "Language"],
  ["connectionType", "Connection"],
  ["geoCountry", "Country"],
  ["geoRegion", "Region"],
  ["geoCity", "City"],
  ["ip", "IP"],
];

/** The visitor's attribution as a two-column list (UTM, click ids, referrer, device, geo, IP when shown), and whether they came back. */
export function AttributionList({ attribution: a }: { attribution: Record<string, unknown> }) {
  const withVersion = (name: string, version: unknown) => (version ? `${name} ${version}` : name);
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5 py-1">
      {FIELDS.map(([key, label]) => {
        let v = a[key];
        if (key === "os" && v) v = withVersion(String(v), a.osVersion);
        if (key === "browser" && v) v = withVersion(String(v), a.browserVersion);
        if (v === null || v === undefined || v === "") return null;
        return (
          <div key={key} className="contents">
            <dt className="text-slate-500">{label}</dt>
            <dd className="break-all text-slate-800">{String(v)}</dd>
          </div>
        );
      })}
      <dt className="text-slate-500">Returning visitor</dt>
      <dd>{a.returning ? "Yes" : "No"}</dd>
    </dl>
  );
}

/** The visitor's attribution, collapsed by default so the thread keeps the space. */
export function VisitorDetails({ conversationId }: { conversationId: number }) {
  const [data, setData] = useState<{ attribution: Record<string, unknown> | null; routingNote?: RoutingNote | null } | null>(null);
  const [error, setError] = useState(false);

  useEffect(() => {
    let live = true;
    setData(null);
    setError(false);
    fetch(`/api/chat/conversations/${conversationId}/details`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((d) => live && setData(d))
      .catch(() => live && setError(true));
    return () => {
      live = false;
    };
  }, [conversationId]);

  const a = data?.attribution;
  return (
    <details className="border-b border-slate-200 bg-white px-3 py-1.5 text-xs">
      <summary className="cursor-pointer text-slate-600">Visitor details</summary>
      {error ? <p role="alert" className="py-1 text-red-700">Couldn&apos;t load visitor details.</p> : null}
      {!data && !error ? <p className="py-1 text-slate-500">Loading…</p> : null}
      {data?.routingNote ? (
        <p className="py-1 text-slate-700">
          <span className="text-slate-500">Routing: </span>
          {routingSentence(data.routingNote)}
        </p>
      ) : null}
      {data && !a ? <p className="py-1 text-slate-500">No attribution was captured for this chat.</p> : null}
      {a ? <AttributionList attribution={a} /> : null}
    </details>
  );
}

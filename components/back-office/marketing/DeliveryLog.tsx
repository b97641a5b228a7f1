"use client";

import Link from "next/link";
import { useEffect, useId, useState } from "react";
import type { TablePage } from "@/lib/console/table";
import { DEFAULT_PAGE_SIZE } from "@/lib/console/table";
import { conversionsApi, PLATFORM_LABEL, STATUS_PILL, type ConversionEventDTO } from "@/components/conversions/api";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { UrlPaginationBar, urlPageSize } from "@/components/ui/Pagination";
import { PillGroup } from "@/components/ui/PillGroup";
import { ui } from "@/components/ui/styles";
import { useServerPage } from "@/components/ui/useServerPage";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import { LEAD_STAGE_LABEL } from "../labels";

const PLATFORMS = [
  { value: "", label: "All" },
  { value: "meta", label: "Meta" },
  { value: "ga4", label: "GA4" },
] as const;
const STATUSES = [
  { value: "", label: "All" },
  { value: "queued", label: "Queued" },
  { value: "sent", label: "Sent" },
  { value: "failed", label: "Failed" },
  { value: "expired", label: "Expired" },
] as const;

/**
 * While a row on the page is still queued, the log re-reads itself this
 * often: the outbox worker sends within seconds, and an admin who just sent
 * a test event is watching for it. Nothing polls once every row has settled
 * (an admin page, never the chat hot path); Refresh is always there.
 */
const QUEUED_REFRESH_MS = 3_000;

function When({ at }: { at: string }) {
  const d = new Date(at);
  return (
    <time dateTime={at} title={d.toISOString()} className="whitespace-nowrap tabular-nums">
      {d.toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit" })}
    </time>
  );
}

/**
 * Every conversion event of the project, newest first, server-paginated:
 * when, where to, which stage and event, how delivery went (status,
 * attempts, the platform's response code and last error), test events
 * marked, and the lead it was for.
 */
export function DeliveryLog({ projectId, version }: { projectId: number; version: number }) {
  const titleId = useId();
  const url = useUrlQuery();
  const limit = urlPageSize(url);
  const filters = { platform: url.get("platform"), status: url.get("status") };
  const apiUrl = conversionsApi.eventsUrl({
    projectId,
    ...filters,
    after: url.get("after") || undefined,
    before: url.get("before") || undefined,
    limit: limit === DEFAULT_PAGE_SIZE ? undefined : String(limit),
  });
  // Known only once a page has come back: the next render polls (or stops).
  const [polling, setPolling] = useState(false);
  const page = useServerPage<TablePage<ConversionEventDTO>>(apiUrl, { refreshMs: polling ? QUEUED_REFRESH_MS : undefined });
  const rows = page.data?.items ?? [];
  const queued = rows.some((r) => r.status === "queued");
  useEffect(() => setPolling(queued), [queued]);
  const { reload } = page;
  useEffect(() => {
    if (version > 0) reload({ quiet: true });
  }, [version, reload]);
  const filtered = Boolean(filters.platform || filters.status);

  const columns: Column<ConversionEventDTO>[] = [
    {
      key: "event",
      header: "Event",
      primary: true,
      cell: (r) => (
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-1.5 font-medium">
            <span>{r.eventName}</span>
            {r.test ? <span className="rounded bg-violet-50 px-1.5 py-0.5 text-xs font-medium text-violet-800 ring-1 ring-violet-200 ring-inset">Test</span> : null}
          </p>
          <p className="font-mono text-xs text-slate-500" title="Event ID (deduplicates the browser and server copies)">
            {r.eventId}
          </p>
        </div>
      ),
    },
    { key: "time", header: "Time", cell: (r) => <When at={r.occurredAt} /> },
    { key: "platform", header: "Platform", cell: (r) => PLATFORM_LABEL[r.platform] },
    { key: "stage", header: "Stage", cell: (r) => LEAD_STAGE_LABEL[r.stage] },
    {
      key: "status",
      header: "Status",
      cell: (r) => (
        <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS_PILL[r.status].className}`}>{STATUS_PILL[r.status].label}</span>
      ),
    },
    { key: "attempts", header: "Attempts", className: "tabular-nums", cell: (r) => r.attempts },
    { key: "code", header: "Response", className: "tabular-nums", cell: (r) => r.responseCode ?? <span className="text-slate-400">—</span> },
    {
      key: "error",
      header: "Last error",
      cell: (r) =>
        r.lastError ? (
          <span className="line-clamp-2 max-w-xs text-xs break-words text-red-700" title={r.lastError}>
            {r.lastError}
          </span>
        ) : (
          <span className="text-slate-400">—</span>
        ),
    },
    {
      key: "lead",
      header: "Lead",
      cell: (r) =>
        r.leadId ? (
          <Link href={`/admin/crm?lead=${r.leadId}`} className="text-blue-700 underline-offset-2 hover:underline">
            Lead #{r.leadId}
          </Link>
        ) : (
          <span className="text-slate-400">—</span>
        ),
    },
  ];

  return (
    <section aria-labelledby={titleId} className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h3 id={titleId} className="font-semibold">
            Delivery log
          </h3>
          <p className="text-sm text-slate-600">Failed sends are retried with backoff; an event still unsent after 7 days expires.</p>
        </div>
        <div className="flex flex-wrap items-end gap-3">
          <PillGroup label="Platform" options={PLATFORMS} value={filters.platform as (typeof PLATFORMS)[number]["value"]} onChange={(platform) => url.set({ platform })} />
          <PillGroup label="Status" options={STATUSES} value={filters.status as (typeof STATUSES)[number]["value"]} onChange={(status) => url.set({ status })} />
          <button type="button" className={ui.button.secondary} onClick={() => page.reload({ quiet: true })} disabled={page.status === "loading"}>
            Refresh
          </button>
        </div>
      </div>
      <DataTable
        label="Conversion events"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.id}
        state={{ status: page.status, error: page.error, onRetry: () => page.reload() }}
        empty={filtered ? "No events match these filters." : "Nothing sent yet. Events appear here when a lead changes stage — or send a test event above."}
        footer={page.data ? <UrlPaginationBar url={url} page={page.data} count={rows.length} busy={page.status === "loading"} /> : null}
      />
    </section>
  );
}

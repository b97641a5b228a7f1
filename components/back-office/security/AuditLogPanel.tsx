"use client";

import { useId } from "react";
import type { AuditEntryDTO } from "@/lib/audit-log";
import { AUDIT_CATEGORIES, AUDIT_CATEGORY_NAMES } from "@/lib/audit-labels";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { SearchBox } from "@/components/ui/SearchBox";
import { ui } from "@/components/ui/styles";
import { useServerPage } from "@/components/ui/useServerPage";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import { securityApi, type AuditLogPage } from "./api";
import { pageQuery, TableFooter, When } from "./parts";

/** A day picked in the viewer's time zone, as the instant the server filters by (its start, or its last millisecond). */
function dayEdge(day: string, edge: "start" | "end"): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const d = new Date(`${day}T${edge === "start" ? "00:00:00.000" : "23:59:59.999"}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const DETAIL_LINES = 3;

/**
 * The audit log: who did what, to what and when, newest first, filtered by
 * category, actor, target and date range (all in the URL).
 */
export function AuditLogPanel() {
  const url = useUrlQuery();
  const id = useId();
  const { limit, query } = pageQuery(url);
  const filters = { category: url.get("category"), actor: url.get("actor"), actorId: url.get("actorId"), target: url.get("target"), from: url.get("from"), to: url.get("to") };
  const page = useServerPage<AuditLogPage>(
    securityApi.auditUrl({
      category: filters.category,
      actor: filters.actor,
      actorId: filters.actorId,
      target: filters.target,
      from: dayEdge(filters.from, "start"),
      to: dayEdge(filters.to, "end"),
      ...query,
    }),
  );
  const rows = page.data?.items ?? [];
  const filtered = Object.values(filters).some(Boolean);

  const columns: Column<AuditEntryDTO>[] = [
    { key: "when", header: "When", cell: (r) => <When at={r.at} /> },
    {
      key: "what",
      header: "What",
      primary: true,
      cell: (r) => (
        <div className="min-w-0">
          <p className="font-medium">{r.label}</p>
          <p className="text-xs text-slate-500">{AUDIT_CATEGORIES[r.category]}</p>
        </div>
      ),
    },
    {
      key: "who",
      header: "Who",
      cell: (r) =>
        r.actor.kind === "staff" ? (
          <button
            type="button"
            className="text-left text-sm text-blue-700 hover:underline"
            title="Show only what they did"
            aria-label={`Show only entries by ${r.actor.name}`}
            onClick={() => url.set({ actorId: String((r.actor as { id: number }).id), actor: null })}
          >
            {r.actor.name}
          </button>
        ) : (
          <span className="text-sm text-slate-600">{r.actor.name}</span>
        ),
    },
    {
      key: "target",
      header: "Target",
      cell: (r) =>
        r.target ? (
          <span className={`text-sm ${r.target.type === "ip" ? "font-mono" : ""}`}>
            {r.target.label}
            {r.target.type === "user" || r.target.type === "project" ? <span className="text-xs text-slate-500"> #{r.target.id}</span> : null}
          </span>
        ) : (
          <span className="text-sm text-slate-500">—</span>
        ),
    },
    {
      key: "details",
      header: "Details",
      cell: (r) => <Details entry={r} />,
    },
  ];

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor={`${id}-category`} className="mb-1 block text-xs font-medium text-slate-600">
            Category
          </label>
          <select id={`${id}-category`} value={filters.category} onChange={(e) => url.set({ category: e.target.value })} className="rounded-md border border-slate-300 bg-white px-2 py-2 text-sm">
            <option value="">Everything</option>
            {AUDIT_CATEGORY_NAMES.filter((c) => c !== "other").map((c) => (
              <option key={c} value={c}>
                {AUDIT_CATEGORIES[c]}
              </option>
            ))}
          </select>
        </div>
        <SearchBox label="Who" value={filters.actor} placeholder="Name, email or username" onSearch={(actor) => url.set({ actor, actorId: null }, { replace: true })} className="w-full sm:w-52" />
        <SearchBox label="Target" value={filters.target} placeholder="IP, user or chat id" onSearch={(target) => url.set({ target }, { replace: true })} className="w-full sm:w-44" />
        <div>
          <label htmlFor={`${id}-from`} className="mb-1 block text-xs font-medium text-slate-600">
            From
          </label>
          <input id={`${id}-from`} type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => url.set({ from: e.target.value })} className={ui.input} />
        </div>
        <div>
          <label htmlFor={`${id}-to`} className="mb-1 block text-xs font-medium text-slate-600">
            To
          </label>
          <input id={`${id}-to`} type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => url.set({ to: e.target.value })} className={ui.input} />
        </div>
        {filtered ? (
          <button
            type="button"
            className={ui.button.ghost}
            onClick={() => url.set({ category: null, actor: null, actorId: null, target: null, from: null, to: null })}
          >
            Clear filters
          </button>
        ) : null}
      </div>
      {filters.actorId ? <p className="text-sm text-slate-600">Showing what one staff member did ({rows[0]?.actor.name ?? `#${filters.actorId}`}).</p> : null}
      <DataTable
        label="Audit log"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.id}
        state={{ status: page.status, error: page.error, onRetry: () => page.reload() }}
        empty={filtered ? "No entries match." : "Nothing has been recorded yet. Blocks, assignments, staff changes, sign-outs and settings changes show here."}
        footer={page.data ? <TableFooter url={url} page={page.data} limit={limit} busy={page.status === "loading"} capped={page.data.totalCapped} /> : null}
      />
    </div>
  );
}

function Details({ entry }: { entry: AuditEntryDTO }) {
  const lines = entry.details;
  if (lines.length === 0 && !entry.ip) return <span className="text-sm text-slate-500">—</span>;
  const line = (l: { key: string; value: string }) => (
    <li key={l.key} className="break-words">
      <span className="text-slate-500">{l.key}:</span> {l.value}
    </li>
  );
  return (
    <div className="max-w-xs text-xs">
      <ul className="space-y-0.5">{lines.slice(0, DETAIL_LINES).map(line)}</ul>
      {lines.length > DETAIL_LINES || entry.ip ? (
        <details className="mt-0.5">
          <summary className="cursor-pointer text-blue-700">{lines.length > DETAIL_LINES ? `${lines.length - DETAIL_LINES} more` : "More"}</summary>
          <ul className="space-y-0.5">
            {lines.slice(DETAIL_LINES).map(line)}
            {entry.ip ? line({ key: "From address", value: entry.ip }) : null}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

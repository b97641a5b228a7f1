"use client";

import type { StrikeGroupDTO, StrikesPage } from "@/lib/security-admin/list-strikes";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { PillGroup } from "@/components/ui/PillGroup";
import { SearchBox } from "@/components/ui/SearchBox";
import { ui } from "@/components/ui/styles";
import { useServerPage } from "@/components/ui/useServerPage";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import { securityApi } from "./api";
import { pageQuery, RULE_LABEL, TableFooter, When } from "./parts";

const RULES = [
  { value: "", label: "All rules" },
  { value: "login", label: RULE_LABEL.login },
  { value: "upload", label: RULE_LABEL.upload },
  { value: "rate_limit", label: RULE_LABEL.rate_limit },
  { value: "scanner", label: RULE_LABEL.scanner },
] as const;

const REFRESH_MS = 15_000;

/**
 * Recent strikes: per rule, how many inside its window and from how many
 * clients, with the automatic blocks in force; then each client's strikes
 * under each rule, most recent first.
 */
export function StrikesPanel() {
  const url = useUrlQuery();
  const { limit, query } = pageQuery(url);
  const filters = { rule: url.get("rule"), q: url.get("q") };
  const page = useServerPage<StrikesPage>(securityApi.strikesUrl({ ...filters, ...query }), { refreshMs: REFRESH_MS });
  const rows = page.data?.items ?? [];

  const columns: Column<StrikeGroupDTO>[] = [
    { key: "address", header: "Client", primary: true, cell: (r) => <span className="font-mono text-sm font-medium">{r.address}</span> },
    { key: "rule", header: "Rule", cell: (r) => RULE_LABEL[r.rule] },
    {
      key: "window",
      header: "In window",
      cell: (r) => {
        const rule = page.data?.rules.find((x) => x.rule === r.rule);
        return (
          <span className="text-sm tabular-nums">
            {r.inWindow}
            {rule ? <span className="text-slate-500"> of {rule.limit}</span> : null}
          </span>
        );
      },
    },
    { key: "total", header: "Stored", cell: (r) => <span className="tabular-nums">{r.total}</span> },
    { key: "last", header: "Last strike", cell: (r) => <When at={r.lastAt} /> },
    { key: "first", header: "First strike", cell: (r) => <When at={r.firstAt} /> },
    {
      key: "blocked",
      header: "Blocked",
      cell: (r) => (r.blocked ? <span className="rounded bg-red-50 px-1.5 py-0.5 text-xs text-red-700">Blocked</span> : <span className="text-xs text-slate-500">No</span>),
    },
  ];

  return (
    <div className="space-y-4">
      <ul aria-label="Strikes by rule" className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        {(page.data?.rules ?? []).map((r) => (
          <li key={r.rule} className={`${ui.card} p-3`}>
            <p className="text-sm font-semibold">{RULE_LABEL[r.rule]}</p>
            <p className="text-xs text-slate-500">
              {r.reason} → blocked {r.blockMinutes} min
            </p>
            <p className="mt-2 text-2xl font-semibold tabular-nums">{r.rule === "scanner" ? "—" : r.strikes}</p>
            <p className="text-xs text-slate-600">
              {r.rule === "scanner"
                ? "Counted in memory; shows as blocks only"
                : `strike${r.strikes === 1 ? "" : "s"} in the last ${r.windowMinutes} min from ${r.clients} client${r.clients === 1 ? "" : "s"}`}
            </p>
            <p className="mt-1 text-xs text-slate-600">
              {r.activeBlocks} automatic block{r.activeBlocks === 1 ? "" : "s"} in force
            </p>
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap items-end gap-3">
        <PillGroup label="Rule" options={RULES} value={filters.rule as (typeof RULES)[number]["value"]} onChange={(rule) => url.set({ rule })} />
        <SearchBox label="Search clients" value={filters.q} placeholder="203.0.113" onSearch={(q) => url.set({ q }, { replace: true })} />
      </div>
      <DataTable
        label="Strikes by client"
        columns={columns}
        rows={rows}
        rowKey={(r) => `${r.rule}:${r.address}`}
        state={{ status: page.status, error: page.error, onRetry: () => page.reload() }}
        empty={filters.rule || filters.q ? "No strikes match." : "No recent strikes. Failed sign-ins, bad uploads and rate-limit hits show here until they age out."}
        footer={page.data ? <TableFooter url={url} page={page.data} limit={limit} busy={page.status === "loading"} /> : null}
      />
    </div>
  );
}

"use client";

import { useState } from "react";
import type { StaffRole } from "@/db/schema";
import type { LeadRowDTO, LeadsTablePage } from "@/lib/crm/leads-shared";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { UrlPaginationBar } from "@/components/ui/Pagination";
import { ui } from "@/components/ui/styles";
import { useServerPage } from "@/components/ui/useServerPage";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import { relativeTime } from "../chats/chats-query";
import { LEAD_FILTER_KEYS, leadsApiUrl, localToday, SOURCE_LABEL } from "./crm-api";
import { LeadDialog } from "./LeadDialog";
import { AssigneeSelect, FollowUpInput, RemarkInput, StageSelect, type EditorProps } from "./LeadEditors";
import { LeadFilters, LeadTabs } from "./LeadFilters";

/**
 * The CRM's leads: source tabs, filters and page in the URL, one server page
 * at a time, with the stage, follow-up date, final remark and assignee
 * editable in the row (read-only for whoever may only look). A lead's name
 * opens its detail (`?lead=<id>`, so the link can be shared and Back closes it).
 */
export function LeadsTable({
  console,
  importHref,
  sheetsHref,
}: {
  console: StaffRole;
  /** The console's CSV upload page, where it has one. */
  importHref?: string;
  /** The Google Sheets sources page, passed only when the server says the viewer may manage them. */
  sheetsHref?: string;
}) {
  const url = useUrlQuery();
  const page = useServerPage<LeadsTablePage>(leadsApiUrl(url.query));
  const data = page.data;
  const [rows, setRows] = useState<LeadRowDTO[]>([]);
  const [shown, setShown] = useState<LeadsTablePage | null>(null);
  if (data !== shown) {
    setShown(data);
    setRows(data?.items ?? []);
  }
  const today = localToday();
  const readOnly = !data?.canEdit;
  const replace = (row: LeadRowDTO) => setRows((prev) => prev.map((r) => (r.id === row.id ? row : r)));
  const editor = (r: LeadRowDTO): EditorProps => ({ row: r, onSaved: replace, onConflict: () => page.reload({ quiet: true }), readOnly });
  const openId = Number(url.get("lead")) || null;
  const open = (id: number) => url.set({ lead: id }, { keepPage: true });
  const now = Date.now();

  const columns: Column<LeadRowDTO>[] = [
    {
      key: "lead",
      header: "Lead",
      primary: true,
      cell: (r) => (
        <button type="button" onClick={() => open(r.id)} className="block max-w-[16rem] min-w-0 rounded text-left focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600">
          <span className="block truncate font-medium text-blue-700 hover:underline">{r.name || "Unnamed lead"}</span>
          <span className="block truncate text-xs text-slate-500 tabular-nums">{r.phone}</span>
          <span className="block truncate text-xs text-slate-500">{r.email}</span>
        </button>
      ),
    },
    {
      key: "source",
      header: "Source",
      cell: (r) => (
        <span className="block min-w-0">
          <span className="block whitespace-nowrap text-slate-700">{SOURCE_LABEL[r.source]}</span>
          <span className="block max-w-[10rem] truncate text-xs text-slate-500">{r.projectTitle ?? "No project"}</span>
        </span>
      ),
    },
    { key: "stage", header: "Stage", cell: (r) => <StageSelect {...editor(r)} /> },
    { key: "followUp", header: "Follow-up", cell: (r) => <FollowUpInput {...editor(r)} today={today} /> },
    { key: "remark", header: "Final remark", cell: (r) => <RemarkInput {...editor(r)} /> },
    { key: "assignee", header: "Assignee", cell: (r) => <AssigneeSelect {...editor(r)} assignees={data?.options.assignees ?? []} /> },
    {
      key: "created",
      header: "Created",
      className: "whitespace-nowrap",
      cell: (r) => (
        <time dateTime={r.createdAt} title={new Date(r.createdAt).toLocaleString()} className="text-xs text-slate-600">
          {relativeTime(r.createdAt, now)}
        </time>
      ),
    },
  ];

  const filtered = LEAD_FILTER_KEYS.some((k) => url.get(k));
  return (
    <section aria-labelledby="leads-title" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="leads-title" className="text-base font-semibold">
          Leads
        </h2>
        <div className="flex flex-wrap gap-2">
          {data?.canImport && importHref ? (
            <a href={importHref} className={ui.button.secondary}>
              Import CSV
            </a>
          ) : null}
          {sheetsHref ? (
            <a href={sheetsHref} className={ui.button.secondary}>
              Google Sheets
            </a>
          ) : null}
          <a href={leadsApiUrl(url.query, "/api/crm/leads/export", { paging: false })} download className={ui.button.secondary}>
            Export CSV
          </a>
        </div>
      </div>
      <LeadTabs url={url} />
      <LeadFilters url={url} options={data?.options ?? { assignees: [], projects: [] }} />
      <DataTable
        label="Leads"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.id}
        state={{ status: page.status, error: page.error, onRetry: () => page.reload() }}
        empty={
          filtered ? (
            <span>
              No leads match these filters.{" "}
              <button type="button" className="text-blue-700 underline" onClick={() => url.set(Object.fromEntries(LEAD_FILTER_KEYS.map((k) => [k, null])))}>
                Clear filters
              </button>
            </span>
          ) : (
            "No leads yet. Every chat, web form, upload and sheet row lands here."
          )
        }
        footer={data ? <UrlPaginationBar url={url} page={data} count={rows.length} busy={page.status === "loading"} /> : null}
      />
      {openId ? (
        <LeadDialog
          key={openId}
          leadId={openId}
          console={console}
          assignees={data?.options.assignees ?? []}
          onChanged={replace}
          onClose={() => url.set({ lead: null }, { keepPage: true })}
        />
      ) : null}
    </section>
  );
}

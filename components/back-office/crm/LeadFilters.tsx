"use client";

import type { LeadStage } from "@/db/schema";
import { FOLLOW_UP_FILTERS, LEAD_TABS, NO_ASSIGNEE, type FollowUpFilter, type LeadOptions } from "@/lib/crm/leads-shared";
import { SelectField, TextField } from "@/components/ui/Field";
import { SearchBox } from "@/components/ui/SearchBox";
import { ui } from "@/components/ui/styles";
import type { useUrlQuery } from "@/components/ui/useUrlQuery";
import { LEAD_STAGE_LABEL } from "../labels";
import { LEAD_FILTER_KEYS } from "./crm-api";

type Url = ReturnType<typeof useUrlQuery>;

const FOLLOW_UP_LABEL: Record<FollowUpFilter, string> = { today: "Due today", overdue: "Overdue", due: "Due today or overdue" };

/** The source tabs: All, Chat, Web, Uploaded (CSV), Google Sheets — the `source` filter. */
export function LeadTabs({ url }: { url: Url }) {
  const current = url.get("source");
  return (
    <nav aria-label="Lead sources" className="flex flex-wrap gap-1 border-b border-slate-200">
      {LEAD_TABS.map((t) => {
        const on = current === t.source;
        return (
          <button
            key={t.label}
            type="button"
            aria-current={on ? "page" : undefined}
            onClick={() => url.set({ source: t.source })}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${on ? "border-blue-600 text-blue-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}
          >
            {t.label}
          </button>
        );
      })}
    </nav>
  );
}

/** The leads table's filters, all in the URL (any change goes back to page 1). */
export function LeadFilters({ url, options }: { url: Url; options: LeadOptions }) {
  const filtered = LEAD_FILTER_KEYS.some((k) => k !== "source" && url.get(k));
  const small = "w-full sm:w-44";
  return (
    <div className="space-y-3">
      <SearchBox label="Search leads" value={url.get("q")} placeholder="Name, phone or email (starts with)" onSearch={(q) => url.set({ q }, { replace: true })} />
      <div className="grid grid-cols-2 items-end gap-3 sm:flex sm:flex-wrap">
        <SelectField label="Stage" className={small} value={url.get("stage")} onChange={(e) => url.set({ stage: e.target.value })}>
          <option value="">All stages</option>
          {(Object.keys(LEAD_STAGE_LABEL) as LeadStage[]).map((s) => (
            <option key={s} value={s}>
              {LEAD_STAGE_LABEL[s]}
            </option>
          ))}
        </SelectField>
        <SelectField label="Project" className={small} value={url.get("project")} onChange={(e) => url.set({ project: e.target.value })}>
          <option value="">All projects</option>
          {options.projects.map((p) => (
            <option key={p.id} value={String(p.id)}>
              {p.title}
            </option>
          ))}
        </SelectField>
        <SelectField label="Assignee" className={small} value={url.get("assignee")} onChange={(e) => url.set({ assignee: e.target.value })}>
          <option value="">Anyone</option>
          <option value={NO_ASSIGNEE}>Unassigned</option>
          {options.assignees.map((a) => (
            <option key={a.id} value={String(a.id)}>
              {a.name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Follow-up" className={small} value={url.get("followUp")} onChange={(e) => url.set({ followUp: e.target.value })}>
          <option value="">Any follow-up</option>
          {FOLLOW_UP_FILTERS.map((f) => (
            <option key={f} value={f}>
              {FOLLOW_UP_LABEL[f]}
            </option>
          ))}
        </SelectField>
        <TextField label="Follow-up from" type="date" className={small} value={url.get("followFrom")} max={url.get("followTo") || undefined} onChange={(e) => url.set({ followFrom: e.target.value })} />
        <TextField label="Follow-up to" type="date" className={small} value={url.get("followTo")} min={url.get("followFrom") || undefined} onChange={(e) => url.set({ followTo: e.target.value })} />
        <TextField label="Created from" type="date" className={small} value={url.get("from")} max={url.get("to") || undefined} onChange={(e) => url.set({ from: e.target.value })} />
        <TextField label="Created to" type="date" className={small} value={url.get("to")} min={url.get("from") || undefined} onChange={(e) => url.set({ to: e.target.value })} />
        {filtered ? (
          <button type="button" className={ui.button.ghost} onClick={() => url.set(Object.fromEntries(LEAD_FILTER_KEYS.filter((k) => k !== "source").map((k) => [k, null])))}>
            Clear filters
          </button>
        ) : null}
      </div>
    </div>
  );
}

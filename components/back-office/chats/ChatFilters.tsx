"use client";

import { useId } from "react";
import type { LeadStage } from "@/db/schema";
import type { ChatPill } from "@/lib/console/chats-filters";
import { PillGroup } from "@/components/ui/PillGroup";
import { SearchBox } from "@/components/ui/SearchBox";
import { ui } from "@/components/ui/styles";
import type { useUrlQuery } from "@/components/ui/useUrlQuery";
import { LEAD_STAGE_LABEL } from "../labels";
import { FILTER_KEYS } from "./chats-query";

const PILLS: readonly { value: ChatPill | ""; label: string }[] = [
  { value: "", label: "All" },
  { value: "assigned", label: "Assigned" },
  { value: "unassigned", label: "Unassigned" },
  { value: "offline", label: "Offline" },
  { value: "closed", label: "Closed" },
];

type Url = ReturnType<typeof useUrlQuery>;

/** The Chats table's filters, all kept in the URL (any change goes back to page 1). */
export function ChatFilters({
  url,
  agents,
  projects,
  aiAgent,
}: {
  url: Url;
  agents: { id: number; name: string; disabled: boolean }[];
  projects: { id: number; title: string }[];
  aiAgent: string;
}) {
  const pill = url.get("pill");
  const filtered = FILTER_KEYS.some((k) => url.get(k));
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <PillGroup label="Show" options={PILLS} value={(PILLS.some((p) => p.value === pill) ? pill : "") as ChatPill | ""} onChange={(v) => url.set({ pill: v })} />
        <SearchBox label="Search chats" value={url.get("q")} placeholder="Name, phone or email (starts with)" onSearch={(q) => url.set({ q }, { replace: true })} />
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <Select label="Lead stage" value={url.get("stage")} onChange={(stage) => url.set({ stage })}>
          <option value="">All stages</option>
          {(Object.keys(LEAD_STAGE_LABEL) as LeadStage[]).map((s) => (
            <option key={s} value={s}>
              {LEAD_STAGE_LABEL[s]}
            </option>
          ))}
        </Select>
        <Select label="Agent" value={url.get("agent")} onChange={(agent) => url.set({ agent })}>
          <option value="">All agents</option>
          <option value={aiAgent}>AI agent</option>
          {agents.map((a) => (
            <option key={a.id} value={String(a.id)}>
              {a.name}
              {a.disabled ? " (disabled)" : ""}
            </option>
          ))}
        </Select>
        <Select label="Project" value={url.get("project")} onChange={(project) => url.set({ project })}>
          <option value="">All projects</option>
          {projects.map((p) => (
            <option key={p.id} value={String(p.id)}>
              {p.title}
            </option>
          ))}
        </Select>
        <DateInput label="Updated from" value={url.get("from")} max={url.get("to") || undefined} onChange={(from) => url.set({ from })} />
        <DateInput label="Updated to" value={url.get("to")} min={url.get("from") || undefined} onChange={(to) => url.set({ to })} />
        {filtered ? (
          <button type="button" className={ui.button.ghost} onClick={() => url.set(Object.fromEntries(FILTER_KEYS.map((k) => [k, null])))}>
            Clear filters
          </button>
        ) : null}
      </div>
    </div>
  );
}

function Select({ label, value, onChange, children }: { label: string; value: string; onChange: (v: string) => void; children: React.ReactNode }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-600">
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} className="max-w-[12rem] rounded-md border border-slate-300 bg-white px-2 py-2 text-sm">
        {children}
      </select>
    </div>
  );
}

/** A day (the viewer's time zone) bounding "Updated": the last message time. */
function DateInput({ label, value, min, max, onChange }: { label: string; value: string; min?: string; max?: string; onChange: (v: string) => void }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-600">
        {label}
      </label>
      <input id={id} type="date" value={value} min={min} max={max} onChange={(e) => onChange(e.target.value)} className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm" />
    </div>
  );
}

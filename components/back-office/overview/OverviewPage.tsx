"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { Suspense, useEffect, useId, useRef, useState } from "react";
import { StaffSocketProvider, useStaffSocket } from "@/components/realtime/StaffSocketProvider";
import { PillGroup } from "@/components/ui/PillGroup";
import { ui } from "@/components/ui/styles";
import { useServerPage } from "@/components/ui/useServerPage";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import type { OverviewDTO, OverviewRange } from "@/lib/console/overview-types";
import type { AgentStatusDTO, ConversationStatus, LeadStage } from "@/lib/wire";
import { CHAT_STATUS, LEAD_STAGE_LABEL, PRESENCE } from "../labels";
import { useAgentFeed } from "../useAgentFeed";
import { formatWait } from "./chart-geometry";
import { ChatsPerDayChart, LeadFunnel, STATUS_COLOR } from "./Charts";

/** A chat changed: today's numbers are re-read once things settle, not on every frame. */
const LIVE_REFRESH_DEBOUNCE_MS = 2_000;

const RANGES: { value: OverviewRange; label: string }[] = [
  { value: "today", label: "Today" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "custom", label: "Custom" },
];
const STATUS_LIST: ConversationStatus[] = ["queued", "active", "offline", "closed"];
const STAGE_LIST: LeadStage[] = ["new", "qualified", "not_qualified", "converted"];

/** The browser's zone: "today" and the chart's days are the viewer's. */
function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/**
 * The back office's home (admins and managers alike): totals for a range in
 * the URL, the queue now, chats per day and the lead funnel, and every
 * agent's presence and load. Live: agent frames update the grid in place; a
 * chat's change re-reads the numbers (debounced); a reconnect re-reads all.
 */
export function OverviewPage() {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading overview…</p>}>
      <StaffSocketProvider>
        <Overview />
      </StaffSocketProvider>
    </Suspense>
  );
}

function Overview() {
  const url = useUrlQuery();
  const pathname = usePathname() ?? "";
  const range = (RANGES.some((r) => r.value === url.get("range")) ? url.get("range") : "today") as OverviewRange;
  const [tz] = useState(browserTimeZone);
  const qs = new URLSearchParams({ range, tz });
  if (range === "custom") {
    if (url.get("from")) qs.set("from", url.get("from"));
    if (url.get("to")) qs.set("to", url.get("to"));
  }
  const page = useServerPage<OverviewDTO>(`/api/overview?${qs}`);
  const data = page.data;

  // The agents grid: the last answer, then every `agent` frame on top of it.
  const [agents, setAgents] = useState<Map<number, AgentStatusDTO>>(new Map());
  const [seen, setSeen] = useState<OverviewDTO | null>(null);
  if (data !== seen) {
    setSeen(data);
    setAgents(new Map((data?.agents ?? []).map((a) => [a.id, a])));
  }

  const socket = useStaffSocket();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  useAgentFeed(socket, {
    onAgent: (a) =>
      setAgents((prev) => {
        const next = new Map(prev);
        if (a.disabled) next.delete(a.id);
        else next.set(a.id, a);
        return next;
      }),
    onConversation: () => {
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        page.reload({ quiet: true });
      }, LIVE_REFRESH_DEBOUNCE_MS);
    },
    onOpen: () => page.reload({ quiet: true }),
  });

  const grid = [...agents.values()].sort((a, b) => a.displayName.localeCompare(b.displayName) || a.id - b.id);
  return (
    <section aria-labelledby="overview-title" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="overview-title" className="text-base font-semibold">
          Overview
        </h2>
        <RangePicker
          range={range}
          from={data?.range.from ?? url.get("from")}
          to={data?.range.to ?? url.get("to")}
          onRange={(r) => url.set({ range: r === "today" ? null : r, from: null, to: null })}
          onCustom={(from, to) => url.set({ range: "custom", from, to })}
        />
      </div>

      {page.status === "error" ? (
        <div role="alert" className={`${ui.alert} flex flex-wrap items-center justify-between gap-2`}>
          <span>{page.error}</span>
          <button type="button" className={ui.button.secondary} onClick={() => page.reload()}>
            Try again
          </button>
        </div>
      ) : null}
      {!data && page.status === "loading" ? <p className="text-sm text-slate-500">Loading overview…</p> : null}

      {data ? (
        <>
          {data.fresh ? <GetStarted consolePath={pathname} visitorPagePath={data.visitorPagePath} hasAgents={grid.length > 0} /> : null}
          <Totals data={data} agents={grid} busy={page.status === "loading"} />
          {!data.fresh ? (
            <div className="grid gap-4 lg:grid-cols-3">
              <div className={`${ui.card} p-4 lg:col-span-2`}>
                <ChatsPerDayChart perDay={data.perDay} />
              </div>
              <div className={`${ui.card} p-4`}>
                <LeadFunnel byStage={data.leads.byStage} />
              </div>
            </div>
          ) : null}
          <AgentsGrid agents={grid} agentsPath={`${pathname}/agents`} />
        </>
      ) : null}
    </section>
  );
}

function RangePicker({
  range,
  from,
  to,
  onRange,
  onCustom,
}: {
  range: OverviewRange;
  from: string;
  to: string;
  onRange: (r: OverviewRange) => void;
  onCustom: (from: string, to: string) => void;
}) {
  const id = useId();
  const [custom, setCustom] = useState(range === "custom");
  const [draft, setDraft] = useState({ from, to });
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="flex flex-wrap items-end gap-2">
      <PillGroup
        label="Date range"
        options={RANGES}
        value={custom ? "custom" : range}
        onChange={(v) => {
          if (v === "custom") {
            setDraft({ from, to });
            return setCustom(true);
          }
          setCustom(false);
          setError(null);
          onRange(v);
        }}
      />
      {custom ? (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (!draft.from || !draft.to) return setError("Choose both dates.");
            if (draft.from > draft.to) return setError("The end date is before the start date.");
            setError(null);
            onCustom(draft.from, draft.to);
          }}
        >
          <div>
            <label htmlFor={`${id}-from`} className="mb-1 block text-xs font-medium text-slate-600">
              From
            </label>
            <input id={`${id}-from`} type="date" value={draft.from} max={draft.to || undefined} onChange={(e) => setDraft({ ...draft, from: e.target.value })} className={ui.input} />
          </div>
          <div>
            <label htmlFor={`${id}-to`} className="mb-1 block text-xs font-medium text-slate-600">
              To
            </label>
            <input id={`${id}-to`} type="date" value={draft.to} min={draft.from || undefined} onChange={(e) => setDraft({ ...draft, to: e.target.value })} className={ui.input} />
          </div>
          <button type="submit" className={ui.button.primary}>
            Apply
          </button>
          {error ? (
            <p role="alert" className="w-full text-xs text-red-700">
              {error}
            </p>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}

const rangeText = (r: OverviewDTO["range"]) => (r.kind === "today" ? "today" : r.kind === "custom" ? `${r.from} – ${r.to}` : `last ${r.days} days`);

function Totals({ data, agents, busy }: { data: OverviewDTO; agents: AgentStatusDTO[]; busy: boolean }) {
  const online = agents.filter((a) => a.presence === "online").length;
  return (
    <div className="space-y-4" aria-busy={busy}>
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label={`Chats, ${rangeText(data.range)}`} value={String(data.chats.total)} testId="stat-chats" />
        <Stat label="In queue now" value={String(data.queue.length)} testId="stat-queue" />
        <Stat label="Longest wait" value={<LongestWait since={data.queue.oldestQueuedAt} />} testId="stat-wait" />
        <Stat label="Agents online" value={`${online} of ${agents.length}`} testId="stat-agents" />
      </dl>
      {!data.fresh ? (
        <div className="grid gap-4 md:grid-cols-2">
          <Breakdown
            title="Chats by status"
            rows={STATUS_LIST.map((s) => ({ key: s, label: CHAT_STATUS[s].label, value: data.chats.byStatus[s], color: STATUS_COLOR[s] }))}
          />
          <Breakdown title="Leads by stage" rows={STAGE_LIST.map((s) => ({ key: s, label: LEAD_STAGE_LABEL[s], value: data.leads.byStage[s] }))} />
        </div>
      ) : null}
    </div>
  );
}

function Stat({ label, value, testId }: { label: string; value: React.ReactNode; testId: string }) {
  return (
    <div className={`${ui.card} px-4 py-3`} data-testid={testId}>
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

/** Ticks every second while someone waits. */
function LongestWait({ since }: { since: string | null }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!since) return;
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, [since]);
  if (!since) return <>—</>;
  return <time dateTime={since}>{formatWait((now - Date.parse(since)) / 1000)}</time>;
}

function Breakdown({ title, rows }: { title: string; rows: { key: string; label: string; value: number; color?: string }[] }) {
  const id = useId();
  return (
    <div className={`${ui.card} p-4`}>
      <h3 id={id} className="text-sm font-semibold">
        {title}
      </h3>
      <dl aria-labelledby={id} className="mt-2 grid grid-cols-2 gap-x-4 gap-y-1 sm:grid-cols-4">
        {rows.map((r) => (
          <div key={r.key} data-testid={`${title}-${r.key}`.toLowerCase().replace(/\s+/g, "-")}>
            <dt className="flex items-center gap-1.5 text-xs text-slate-600">
              {r.color ? <span aria-hidden="true" className="h-2 w-2 rounded-full" style={{ background: r.color }} /> : null}
              {r.label}
            </dt>
            <dd className="text-lg font-semibold tabular-nums">{r.value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function GetStarted({ consolePath, visitorPagePath, hasAgents }: { consolePath: string; visitorPagePath: string | null; hasAgents: boolean }) {
  return (
    <div className={`${ui.card} border-blue-200 bg-blue-50/40 p-4`} role="region" aria-labelledby="get-started-title">
      <h3 id="get-started-title" className="text-sm font-semibold">
        No chats yet — here is how to get going
      </h3>
      <ol className="mt-2 list-decimal space-y-1.5 pl-5 text-sm text-slate-700">
        <li>
          {hasAgents ? "Your agents sign in at the staff sign-in page and take chats from there. " : "Create an agent: they answer the chats. "}
          <Link href={`${consolePath}/agents`} className="font-medium text-blue-700 underline underline-offset-2">
            {hasAgents ? "Manage agents" : "Add an agent"}
          </Link>
        </li>
        <li>
          Open the visitor page and start a test chat as a visitor would.{" "}
          {visitorPagePath ? (
            <a href={visitorPagePath} target="_blank" rel="noopener" className="font-medium text-blue-700 underline underline-offset-2">
              Open the visitor page<span className="sr-only"> (opens in a new tab)</span>
            </a>
          ) : null}
        </li>
        <li>The chat shows up here and in Chats the moment it starts; the numbers below update by themselves.</li>
      </ol>
    </div>
  );
}

function AgentsGrid({ agents, agentsPath }: { agents: AgentStatusDTO[]; agentsPath: string }) {
  return (
    <section aria-labelledby="agents-grid-title" className="space-y-2">
      <h3 id="agents-grid-title" className="text-sm font-semibold">
        Agents
      </h3>
      {agents.length === 0 ? (
        <p className="text-sm text-slate-600">
          No agents yet.{" "}
          <Link href={agentsPath} className="font-medium text-blue-700 underline underline-offset-2">
            Add one
          </Link>{" "}
          to start taking chats.
        </p>
      ) : (
        <ul className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3" aria-label="Agents">
          {agents.map((a) => (
            <AgentCard key={a.id} agent={a} />
          ))}
        </ul>
      )}
    </section>
  );
}

function AgentCard({ agent: a }: { agent: AgentStatusDTO }) {
  const p = PRESENCE[a.presence];
  return (
    <li className={`${ui.card} space-y-2 p-3`} aria-label={a.displayName} data-agent-id={a.id} data-presence={a.presence}>
      <div className="flex items-center justify-between gap-2">
        <p className="truncate font-medium">{a.displayName}</p>
        <span className={`inline-flex shrink-0 items-center gap-1.5 text-xs ${p.text}`}>
          <span aria-hidden="true" className={`h-2 w-2 rounded-full ${p.dot}`} />
          {p.label}
        </span>
      </div>
      <Load label="Active" value={a.activeCount} limit={a.activeLimit} />
      <Load label="Parked" value={a.offlineCount} limit={a.offlineLimit} />
      {!a.liveChatEnabled ? <p className="text-xs text-slate-500">Live Chat is off: takes no chats.</p> : null}
    </li>
  );
}

function Load({ label, value, limit }: { label: string; value: number; limit: number }) {
  const full = limit > 0 && value >= limit;
  return (
    <div>
      <div className="flex justify-between text-xs text-slate-600">
        <span>{label}</span>
        <span className="tabular-nums">
          {value}/{limit}
        </span>
      </div>
      <div
        className="mt-1 h-1.5 rounded bg-slate-100"
        role="meter"
        aria-label={`${label} chats`}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(value, limit)}
        aria-valuetext={`${value} of ${limit}`}
      >
        <div className={`h-1.5 rounded ${full ? "bg-amber-500" : "bg-blue-600"}`} style={{ width: `${limit ? Math.min(100, (value / limit) * 100) : 0}%` }} />
      </div>
    </div>
  );
}

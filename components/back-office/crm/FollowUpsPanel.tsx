"use client";

import { useEffect, useState } from "react";
import type { FollowUpsDTO } from "@/lib/crm/leads-shared";
import { ApiError, errorText } from "@/components/ui/api";
import { ui } from "@/components/ui/styles";
import { LEAD_STAGE_LABEL } from "../labels";
import { crmApi } from "./crm-api";

type State = { status: "loading" } | { status: "ready"; data: FollowUpsDTO } | { status: "error"; error: string } | { status: "forbidden" };

function useFollowUps(): [State, () => void] {
  const [state, setState] = useState<State>({ status: "loading" });
  const [token, setToken] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    crmApi
      .followUps(ctl.signal)
      .then((data) => setState({ status: "ready", data }))
      .catch((e) => {
        if (ctl.signal.aborted) return;
        setState(e instanceof ApiError && e.status === 403 ? { status: "forbidden" } : { status: "error", error: errorText(e) });
      });
    return () => ctl.abort();
  }, [token]);
  return [state, () => setToken((n) => n + 1)];
}

/** "Today" or "Overdue · 2026-11-28". */
function DueLabel({ day, overdue }: { day: string | null; overdue: boolean }) {
  return overdue ? (
    <span className="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-700 ring-1 ring-red-200 ring-inset">Overdue · {day}</span>
  ) : (
    <span className="rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-amber-200 ring-inset">Today</span>
  );
}

/**
 * The CRM landing page's "Follow-ups due today (and overdue)": the
 * viewer's leads whose follow-up date has come, oldest first; each opens
 * the lead (`?lead=<id>` on `crmPath`), and the full list is the table's
 * followUp=due filter.
 */
export function FollowUpsPanel({ crmPath }: { crmPath: string }) {
  const [state, retry] = useFollowUps();
  if (state.status === "forbidden") return null;
  return (
    <section aria-labelledby="follow-ups-title" className={`${ui.card} p-3`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="follow-ups-title" className="text-base font-semibold">
          Follow-ups due today{state.status === "ready" && state.data.total ? ` (${state.data.total})` : ""}
        </h2>
        {state.status === "ready" && state.data.total > state.data.items.length ? (
          <a className="text-sm text-blue-700 underline" href={`${crmPath}?followUp=due`}>
            See all {state.data.total}
          </a>
        ) : null}
      </div>
      {state.status === "loading" ? (
        <p role="status" className="mt-2 text-sm text-slate-500">
          Loading follow-ups…
        </p>
      ) : state.status === "error" ? (
        <p role="alert" className="mt-2 flex flex-wrap items-center gap-2 text-sm text-red-700">
          Couldn&apos;t load follow-ups: {state.error}
          <button type="button" className={ui.button.secondary} onClick={retry}>
            Try again
          </button>
        </p>
      ) : state.data.items.length === 0 ? (
        <p className="mt-2 text-sm text-slate-500">Nothing due today. Follow-up dates you set on leads show up here on the day.</p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-100">
          {state.data.items.map((f) => (
            <li key={f.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
              <a href={`${crmPath}?lead=${f.id}`} className="min-w-0 font-medium text-blue-700 hover:underline">
                <span className="block truncate">{f.name || f.phone || f.email || `Lead #${f.id}`}</span>
              </a>
              <span className="flex items-center gap-2 text-xs text-slate-500">
                {LEAD_STAGE_LABEL[f.stage]}
                <DueLabel day={f.followUpOn} overdue={f.overdue} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * The agent console's compact reminder: "3 follow-ups due" opening the
 * short list. Renders nothing for someone without the CRM (the API's 403)
 * and nothing when none are due, so the console stays as it was.
 */
export function FollowUpsBadge({ crmPath = "/agent/crm" }: { crmPath?: string }) {
  const [state] = useFollowUps();
  if (state.status !== "ready" || state.data.total === 0) return null;
  const { items, total } = state.data;
  const overdue = items.some((i) => i.overdue);
  return (
    <details className="relative">
      <summary
        className={`cursor-pointer list-none rounded-md border px-2 py-1 text-sm ${overdue ? "border-red-200 bg-red-50 text-red-800" : "border-amber-200 bg-amber-50 text-amber-900"}`}
      >
        {total} follow-up{total === 1 ? "" : "s"} due
      </summary>
      <div className="absolute right-0 z-20 mt-1 w-72 rounded-md border border-slate-200 bg-white p-2 shadow-lg">
        <ul className="divide-y divide-slate-100">
          {items.slice(0, 5).map((f) => (
            <li key={f.id} className="flex items-center justify-between gap-2 py-1.5 text-sm">
              <a href={`${crmPath}?lead=${f.id}`} className="min-w-0 truncate text-blue-700 hover:underline">
                {f.name || f.phone || f.email || `Lead #${f.id}`}
              </a>
              <DueLabel day={f.followUpOn} overdue={f.overdue} />
            </li>
          ))}
        </ul>
        <a href={`${crmPath}?followUp=due`} className="mt-1 block text-xs text-blue-700 underline">
          All follow-ups in the CRM
        </a>
      </div>
    </details>
  );
}

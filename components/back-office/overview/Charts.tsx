"use client";

import { useEffect, useId, useRef, useState } from "react";
import type { OverviewDTO } from "@/lib/console/overview-types";
import type { ConversationStatus } from "@/lib/wire";
import { CHAT_STATUS } from "../labels";
import { labelEvery, leadFunnel, stackedBars } from "./chart-geometry";

/** Bottom-up order of the stacks; colours pass 3:1 against white (non-text contrast). */
export const STATUS_ORDER: readonly ConversationStatus[] = ["closed", "active", "offline", "queued"];
export const STATUS_COLOR: Record<ConversationStatus, string> = { closed: "#059669", active: "#2563eb", offline: "#64748b", queued: "#d97706" };

/** Drawn at the container's own width (one unit = one CSS pixel), so labels keep their size on a phone. */
const DEFAULT_W = 640;
const H = 200;
const TOP = 10;
const LEFT = 32;
const BOTTOM = 22;

function useWidth<T extends Element>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(DEFAULT_W);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(([e]) => setWidth(Math.max(240, Math.round(e.contentRect.width))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

const dayLabel = (day: string, withYear = false) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: "UTC", month: "short", day: "numeric", ...(withYear ? { year: "numeric" } : {}) });

/**
 * Chats per day, stacked by status: hand-written SVG (no chart library). The
 * picture has a text alternative (each bar's <title>, and the same numbers in
 * a table screen readers get).
 */
export function ChatsPerDayChart({ perDay }: { perDay: OverviewDTO["perDay"] }) {
  const id = useId();
  const [box, W] = useWidth<HTMLDivElement>();
  const plot = H - BOTTOM - TOP;
  const { max, ticks, bars } = stackedBars(
    perDay.map((d) => ({ label: d.day, values: d.byStatus })),
    STATUS_ORDER,
    { width: W - LEFT, height: plot },
  );
  // Day labels at least 56 px apart, counted back from the last day (today), which always has one.
  const every = labelEvery(bars.length, Math.max(2, Math.floor((W - LEFT) / 56)));
  const total = bars.reduce((s, b) => s + b.total, 0);
  return (
    <figure className="space-y-2">
      <figcaption id={`${id}-cap`} className="text-sm font-semibold">
        Chats per day
      </figcaption>
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-label="Legend">
        {[...STATUS_ORDER].reverse().map((s) => (
          <li key={s} className="inline-flex items-center gap-1.5">
            <span aria-hidden="true" className="h-2.5 w-2.5 rounded-sm" style={{ background: STATUS_COLOR[s] }} />
            {CHAT_STATUS[s].label}
          </li>
        ))}
      </ul>
      <div ref={box}>
        <svg
          viewBox={`0 0 ${W} ${H}`}
          width={W}
          height={H}
          className="block max-w-full"
          role="img"
          aria-labelledby={`${id}-cap`}
          aria-describedby={`${id}-desc`}
          data-testid="chats-per-day"
        >
          <desc id={`${id}-desc`}>{`${total} chats over ${bars.length} ${bars.length === 1 ? "day" : "days"}; the table below has each day's numbers.`}</desc>
          {ticks.map((t) => {
            const y = TOP + plot * (1 - t / max);
            return (
              <g key={t}>
                <line x1={LEFT} x2={W} y1={y} y2={y} stroke="#e2e8f0" strokeWidth={1} />
                <text x={LEFT - 6} y={y + 4} textAnchor="end" fontSize={11} fill="#64748b">
                  {t}
                </text>
              </g>
            );
          })}
          <g transform={`translate(${LEFT} ${TOP})`}>
            {bars.map((b, i) => (
              <g key={b.label} data-day={b.label} data-total={b.total}>
                <title>{`${dayLabel(b.label, true)}: ${b.total} ${b.total === 1 ? "chat" : "chats"}${b.segments.length ? ` (${b.segments.map((s) => `${s.value} ${CHAT_STATUS[s.key].label.toLowerCase()}`).join(", ")})` : ""}`}</title>
                {/* A full-height hit area, so the title shows over an empty or short bar too. */}
                <rect x={b.x} y={0} width={b.width} height={plot} fill="transparent" />
                {b.segments.map((s) => (
                  <rect key={s.key} x={b.x} y={s.y} width={b.width} height={Math.max(s.height, 0.5)} fill={STATUS_COLOR[s.key]} data-status={s.key} />
                ))}
                {(bars.length - 1 - i) % every === 0 ? (
                  <text x={b.x + b.width / 2} y={plot + BOTTOM - 6} textAnchor="middle" fontSize={11} fill="#475569">
                    {dayLabel(b.label)}
                  </text>
                ) : null}
              </g>
            ))}
          </g>
        </svg>
      </div>
      <table className="sr-only">
        <caption>Chats per day by status</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {STATUS_ORDER.map((s) => (
              <th key={s} scope="col">
                {CHAT_STATUS[s].label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {perDay.map((d) => (
            <tr key={d.day}>
              <th scope="row">{dayLabel(d.day, true)}</th>
              {STATUS_ORDER.map((s) => (
                <td key={s}>{d.byStatus[s]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** The lead-stage funnel: leads → qualified → converted, with the not-qualified ones beside it. */
export function LeadFunnel({ byStage }: { byStage: OverviewDTO["leads"]["byStage"] }) {
  const { steps, dropped } = leadFunnel(byStage);
  const top = Math.max(1, steps[0].value);
  return (
    <figure className="space-y-2">
      <figcaption className="text-sm font-semibold">Lead funnel</figcaption>
      <ol className="space-y-2" aria-label="Lead funnel">
        {steps.map((s) => (
          <li key={s.key} data-testid={`funnel-${s.key}`}>
            <div className="flex items-baseline justify-between text-xs text-slate-600">
              <span>{s.label}</span>
              <span className="tabular-nums">
                <span className="font-semibold text-slate-900">{s.value}</span> · {s.percent}%
              </span>
            </div>
            <div className="mt-1 h-3 rounded bg-slate-100" aria-hidden="true">
              <div className="h-3 rounded bg-blue-600" style={{ width: `${(s.value / top) * 100}%` }} />
            </div>
          </li>
        ))}
      </ol>
      <p className="text-xs text-slate-600">
        {dropped.label}: <span className="font-semibold text-slate-900 tabular-nums">{dropped.value}</span> · {dropped.percent}%
      </p>
    </figure>
  );
}

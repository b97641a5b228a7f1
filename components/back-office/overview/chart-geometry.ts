/**
 * The Overview's charts as numbers (no React, no DOM), so their shape can be
 * tested: where each stacked bar and segment goes, the axis ticks, the funnel.
 */

/** The smallest 1 / 2 / 5 × 10^k at or above `n` (at least 1): a y-axis top a reader can count in. */
export function niceMax(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

export type BarSegment<K extends string> = { key: K; value: number; y: number; height: number };
export type Bar<K extends string> = { label: string; total: number; x: number; width: number; segments: BarSegment<K>[] };

/**
 * One bar per entry, `keys` stacked bottom-up in that order, scaled into a
 * plot `width` × `height` (y grows downward, SVG-style). Empty segments are left out.
 */
export function stackedBars<K extends string>(
  entries: { label: string; values: Record<K, number> }[],
  keys: readonly K[],
  size: { width: number; height: number; maxBarWidth?: number },
): { max: number; ticks: number[]; bars: Bar<K>[] } {
  const totals = entries.map((e) => keys.reduce((s, k) => s + e.values[k], 0));
  const max = niceMax(Math.max(0, ...totals));
  const slot = entries.length ? size.width / entries.length : 0;
  const width = Math.max(1, Math.min(size.maxBarWidth ?? 48, slot * 0.7));
  const scale = size.height / max;
  const bars = entries.map((e, i) => {
    let top = size.height;
    const segments: BarSegment<K>[] = [];
    for (const key of keys) {
      const value = e.values[key];
      if (value <= 0) continue;
      const h = value * scale;
      top -= h;
      segments.push({ key, value, y: top, height: h });
    }
    return { label: e.label, total: totals[i], x: i * slot + (slot - width) / 2, width, segments };
  });
  const step = max / 4;
  const ticks = Number.isInteger(step) ? [0, step, 2 * step, 3 * step, max] : [0, max / 2, max].filter(Number.isInteger);
  return { max, ticks, bars };
}

/** Print every n-th of `count` day labels, so that at most about `most` show. */
export function labelEvery(count: number, most = 8): number {
  return Math.max(1, Math.ceil(count / most));
}

/**
 * The lead funnel: every chat in the range is a lead; "qualified" counts the
 * ones that got at least that far (qualified or converted), then converted.
 * Not-qualified leads leave the funnel and are reported beside it.
 */
export function leadFunnel(byStage: { new: number; qualified: number; not_qualified: number; converted: number }) {
  const all = byStage.new + byStage.qualified + byStage.not_qualified + byStage.converted;
  const pct = (n: number) => (all ? Math.round((n / all) * 100) : 0);
  const steps = [
    { key: "all", label: "Leads", value: all },
    { key: "qualified", label: "Qualified", value: byStage.qualified + byStage.converted },
    { key: "converted", label: "Converted", value: byStage.converted },
  ].map((s) => ({ ...s, percent: pct(s.value) }));
  return { steps, dropped: { label: "Not Qualified", value: byStage.not_qualified, percent: pct(byStage.not_qualified) } };
}

/** "45 s", "4 min", "2 h 5 min": how long the oldest queued visitor has waited. */
export function formatWait(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.floor(seconds))} s`;
  const min = Math.floor(seconds / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
}

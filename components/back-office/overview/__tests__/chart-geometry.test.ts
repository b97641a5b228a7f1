import { describe, expect, it } from "vitest";
import { formatWait, labelEvery, leadFunnel, niceMax, stackedBars } from "../chart-geometry";

describe("the Overview's charts as numbers", () => {
  it("niceMax rounds up to 1, 2 or 5 × 10^k", () => {
    expect([0, 1, 2, 3, 7, 10, 11, 45, 51, 999].map(niceMax)).toEqual([1, 1, 2, 5, 10, 10, 20, 50, 100, 1000]);
  });

  it("stacks each day's statuses bottom-up, in key order, scaled to the plot", () => {
    const { max, ticks, bars } = stackedBars(
      [
        { label: "d1", values: { a: 2, b: 3 } },
        { label: "d2", values: { a: 0, b: 10 } },
        { label: "d3", values: { a: 0, b: 0 } },
      ],
      ["a", "b"],
      { width: 300, height: 100 },
    );
    expect(max).toBe(10);
    expect(ticks).toEqual([0, 5, 10]);
    expect(bars.map((b) => b.total)).toEqual([5, 10, 0]);
    // d1: a at the bottom (20 high), b on top of it (30 high).
    expect(bars[0].segments).toEqual([
      { key: "a", value: 2, y: 80, height: 20 },
      { key: "b", value: 3, y: 50, height: 30 },
    ]);
    // An empty segment is left out; the tallest bar reaches the top.
    expect(bars[1].segments).toEqual([{ key: "b", value: 10, y: 0, height: 100 }]);
    expect(bars[2].segments).toEqual([]);
    // Bars sit centred in equal slots, never wider than the cap.
    expect(bars.map((b) => b.x + b.width / 2)).toEqual([50, 150, 250]);
    expect(bars[0].width).toBe(48);
  });

  it("prints at most 8 day labels", () => {
    expect(labelEvery(1)).toBe(1);
    expect(labelEvery(7)).toBe(1);
    expect(labelEvery(30)).toBe(4);
    expect(labelEvery(366)).toBe(46);
  });

  it("the funnel counts a converted lead as qualified too; not-qualified ones leave it", () => {
    const f = leadFunnel({ new: 5, qualified: 2, not_qualified: 1, converted: 2 });
    expect(f.steps.map((s) => [s.key, s.value, s.percent])).toEqual([
      ["all", 10, 100],
      ["qualified", 4, 40],
      ["converted", 2, 20],
    ]);
    expect(f.dropped).toMatchObject({ value: 1, percent: 10 });
    expect(leadFunnel({ new: 0, qualified: 0, not_qualified: 0, converted: 0 }).steps.every((s) => s.percent === 0)).toBe(true);
  });

  it("formats a wait", () => {
    expect([0, 59.9, 60, 3599, 3600, 7500].map(formatWait)).toEqual(["0 s", "59 s", "1 min", "59 min", "1 h", "2 h 5 min"]);
  });
});

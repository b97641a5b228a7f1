import { describe, expect, it } from "vitest";
import type { ThreadMessage } from "../chat-sync";
import {
  buildRows,
  carryRow,
  carrySlice,
  estimateRowHeight,
  fitSlice,
  moveRowSlice,
  nextRowLayout,
  updateRowsWithChange,
  type RowLayout,
  type SliceSize,
  type ThreadRow,
} from "../thread-rows";

/** A small, seeded PRNG (mulberry32): every run walks the same random histories, and a failure names its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)] };
}

const HOUR = 3_600_000;
const T0 = new Date(2026, 0, 10, 9, 0).getTime();

/** `k` messages just before message `lo`. */
function olderPage(lo: number, k: number, r: ReturnType<typeof rng>): ThreadMessage[] {
  return Array.from({ length: k }, (_, i) => msg(lo - k + i, r));
}

/** Message `id`, written `hoursAgo`-ish so pages cross days; every third from staff, now and then a system line. */
function msg(id: number, r: ReturnType<typeof rng>): ThreadMessage {
  const kind = id % 17 === 0 ? "system" : id % 3 === 2 ? "agent" : "visitor";
  return {
    id,
    conversationId: id < 0 ? 1 : 2,
    senderKind: kind,
    senderId: kind === "agent" ? 1 + (id % 2) : null,
    senderName: null,
    body: "x".repeat(r.int(1, 120)),
    clientMsgId: `c${id}`,
    replyTo: null,
    attachment: null,
    createdAt: new Date(T0 + id * 0.37 * HOUR).toISOString(),
    deliveredAt: null,
    readAt: null,
  };
}

const FIT: SliceSize = { size: 40, margin: 8, max: 80 };
const FIT_IN_RENDER: SliceSize = { size: 40, margin: 0, max: 160 };

describe("updateRowsWithChange", () => {
  it("after any prepend, append or edit, gives the rows buildRows gives, and says which ends are the same objects", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      let lo = 0;
      let hi = r.int(0, 40);
      let messages = Array.from({ length: hi - lo }, (_, i) => msg(lo + i, r));
      let prev: { messages: ThreadMessage[]; rows: ThreadRow[] } | null = null;
      for (let step = 0; step < 30; step++) {
        const op = r.pick(["prepend", "append", "edit", "replace"] as const);
        const next =
          op === "prepend"
            ? [...olderPage(lo, r.int(1, 35), r), ...messages]
            : op === "append"
              ? [...messages, ...Array.from({ length: r.int(1, 3) }, (_, i) => msg(hi + i, r))]
              : op === "edit" && messages.length
                ? messages.map((m, i, a) => (i === Math.floor(a.length * 0.5) ? { ...m, readAt: new Date(T0).toISOString() } : m))
                : Array.from({ length: r.int(0, 50) }, (_, i) => msg(hi + 1000 + i, r));
        if (op === "prepend") lo = next[0].id;
        if (op === "append") hi = next.at(-1)!.id + 1;
        if (op === "replace") {
          lo = next[0]?.id ?? hi;
          hi = (next.at(-1)?.id ?? hi) + 1;
        }
        const { rows, change } = updateRowsWithChange(prev, next);
        expect(rows, `seed ${seed} step ${step} (${op})`).toEqual(buildRows(next));
        for (let i = 0; i < change.head; i++) expect(next[i]).toBe(prev!.messages[i]);
        for (let i = 1; i <= change.tail; i++) expect(next[next.length - i]).toBe(prev!.messages[prev!.messages.length - i]);
        // What updateRows reuses is the previous row objects: a page costs its own rows.
        if (prev && change.head > 0) expect(rows[0]).toBe(prev.rows[0]);
        if (prev && change.tail > 1) expect(rows.at(-1)).toBe(prev.rows.at(-1));
        prev = { messages: next, rows };
        messages = next;
      }
    }
  });
});

describe("carrySlice and carryRow", () => {
  const change = { prevLength: 100, nextLength: 130, head: 0, tail: 100 }; // 30 prepended
  it("keeps a slice at the top at the top (the new page is laid out) and follows the rows of one further down", () => {
    expect(carrySlice({ from: 0, to: 40 }, change)).toEqual({ from: 0, to: 70 });
    expect(carrySlice({ from: 20, to: 60 }, change)).toEqual({ from: 50, to: 90 });
    expect(carryRow(0, change)).toBe(30);
  });
  it("keeps a slice at the live end at the end when messages are appended", () => {
    const append = { prevLength: 100, nextLength: 102, head: 100, tail: 0 };
    expect(carrySlice({ from: 60, to: 100 }, append)).toEqual({ from: 60, to: 102 });
    expect(carrySlice({ from: 10, to: 50 }, append)).toEqual({ from: 10, to: 50 });
  });
  it("lays out everything for a first list", () => {
    expect(carrySlice(null, { prevLength: 0, nextLength: 30, head: 0, tail: 0 })).toEqual({ from: 0, to: 30 });
  });
});

describe("fitSlice", () => {
  it("leaves a slice alone while the rows on screen are well inside it, else centres `size` rows on them", () => {
    expect(fitSlice({ from: 100, to: 140 }, 1000, { start: 115, end: 125 }, FIT)).toEqual({ from: 100, to: 140 });
    expect(fitSlice({ from: 100, to: 140 }, 1000, { start: 104, end: 114 }, FIT)).toEqual({ from: 89, to: 129 });
    expect(fitSlice({ from: 100, to: 140 }, 1000, { start: 600, end: 610 }, FIT)).toEqual({ from: 585, to: 625 });
    // No margin needed at an end of the thread: nothing is behind it.
    expect(fitSlice({ from: 0, to: 40 }, 1000, { start: 0, end: 10 }, FIT)).toEqual({ from: 0, to: 40 });
    expect(fitSlice({ from: 960, to: 1000 }, 1000, { start: 990, end: 999 }, FIT)).toEqual({ from: 960, to: 1000 });
    // A short slice near an edge with rows behind it grows to `size`.
    expect(fitSlice({ from: 990, to: 1000 }, 1000, { start: 995, end: 999 }, FIT)).toEqual({ from: 960, to: 1000 });
  });
  it("trims a slice grown past max around the rows on screen", () => {
    expect(fitSlice({ from: 0, to: 200 }, 200, { start: 190, end: 199 }, FIT)).toEqual({ from: 160, to: 200 });
    expect(fitSlice({ from: 0, to: 200 }, 200, null, FIT)).toEqual({ from: 160, to: 200 });
  });
  it("is stable: fitting the fitted slice to the same rows changes nothing", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const n = r.int(1, 500);
      const from = r.int(0, n);
      const s = { from, to: r.int(from, n) };
      const start = r.int(0, n - 1);
      const view = { start, end: Math.min(n - 1, start + r.int(0, 12)) };
      const once = fitSlice(s, n, view, FIT);
      expect(once.from).toBeGreaterThanOrEqual(0);
      expect(once.to).toBeLessThanOrEqual(n);
      expect(once.from).toBeLessThanOrEqual(view.start);
      expect(once.to).toBeGreaterThan(view.end);
      expect(fitSlice(once, n, view, FIT), `seed ${seed}`).toEqual(once);
    }
  });
});

describe("nextRowLayout and moveRowSlice", () => {
  it("keep the spacers equal to the heights of the rows they stand for, through random pages, live messages, edits and scrolling", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      // Rows on screen get measured, as in the browser; a spacer's rows never are.
      const measured = new Map<string, number>();
      const size = (row: ThreadRow) => measured.get(row.key) ?? estimateRowHeight(row);
      const sum = (rows: ThreadRow[], a: number, b: number) => rows.slice(a, b).reduce((h, row) => h + size(row), 0);
      let lo = 0;
      let hi = r.int(1, 30);
      let l: RowLayout = nextRowLayout(null, Array.from({ length: hi }, (_, i) => msg(i, r)), null, size, FIT_IN_RENDER);
      let view = { start: Math.max(0, l.rows.length - 10), end: l.rows.length - 1 };
      const check = (what: string) => {
        const n = l.rows.length;
        expect(l.slice.from, what).toBeGreaterThanOrEqual(0);
        expect(l.slice.to, what).toBeLessThanOrEqual(n);
        expect(l.slice.from, what).toBeLessThanOrEqual(l.slice.to);
        expect(l.above, what).toBe(sum(l.rows, 0, l.slice.from));
        expect(l.below, what).toBe(sum(l.rows, l.slice.to, n));
        expect(l.rows, what).toEqual(buildRows(l.messages));
      };
      check(`seed ${seed} start`);
      for (let step = 0; step < 60; step++) {
        const op = r.pick(["prepend", "prepend", "append", "edit", "scroll", "scroll", "jump", "measure"] as const);
        const what = `seed ${seed} step ${step} (${op})`;
        const m = l.messages;
        if (op === "measure") {
          for (let i = l.slice.from; i < l.slice.to; i++) if (r.next() < 0.3) measured.set(l.rows[i].key, r.int(30, 200));
          continue;
        }
        if (op === "scroll" || op === "jump") {
          const n = l.rows.length;
          const start = op === "jump" ? r.int(0, n - 1) : Math.max(0, Math.min(n - 1, view.start + r.int(-30, 30)));
          view = { start, end: Math.min(n - 1, start + r.int(0, 10)) };
          l = moveRowSlice(l, fitSlice(l.slice, n, view, FIT), size);
          check(what);
          continue;
        }
        const next =
          op === "prepend"
            ? [...olderPage(lo, r.int(1, 35), r), ...m]
            : op === "append"
              ? [...m, ...Array.from({ length: r.int(1, 3) }, (_, i) => msg(hi + i, r))]
              : m.map((x, i) => (i === r.int(0, m.length - 1) ? { ...x, body: x.body + " (edited)" } : x));
        if (op === "prepend") lo = next[0].id;
        if (op === "append") hi = next.at(-1)!.id + 1;
        const prev = l;
        l = nextRowLayout(prev, next, view, size, FIT_IN_RENDER);
        const { change } = updateRowsWithChange(prev, next);
        view = { start: carryRow(view.start, change), end: carryRow(view.end, change) };
        // The rows on screen stay laid out (the list anchors on one of them).
        expect(l.slice.from, what).toBeLessThanOrEqual(view.start);
        expect(l.slice.to, what).toBeGreaterThan(view.end);
        check(what);
      }
    }
  });

  it("carries the spacer below when a page lands above a slice at the top, without summing the rows again", () => {
    const r = rng(7);
    const messages = Array.from({ length: 5000 }, (_, i) => msg(i, r));
    let calls = 0;
    const size = (row: ThreadRow) => (calls++, estimateRowHeight(row));
    const l = nextRowLayout(null, messages, null, size, FIT_IN_RENDER);
    const atTop = moveRowSlice(l, fitSlice(l.slice, 5000, { start: 0, end: 10 }, FIT), size);
    expect(atTop.slice).toEqual({ from: 0, to: 40 });
    calls = 0;
    const page = Array.from({ length: 30 }, (_, i) => msg(-30 + i, r));
    const after = nextRowLayout(atTop, [...page, ...messages], { start: 0, end: 10 }, size, FIT_IN_RENDER);
    expect(after.slice).toEqual({ from: 0, to: 70 });
    expect(after.below).toBe(atTop.below);
    expect(calls).toBe(0);
  });

  it("names the row rebuilt under what changed (its date separator or sender header is at its top), and no other", () => {
    const r = rng(11);
    // One day per 10 messages: the page's last message and the oldest loaded one share a day.
    const day = (id: number): ThreadMessage => ({ ...msg(id, r), createdAt: new Date(T0 + Math.floor(id / 10) * 24 * HOUR + (id % 10) * 60_000).toISOString() });
    const messages = Array.from({ length: 50 }, (_, i) => day(105 + i));
    const first = nextRowLayout(null, messages, null, size0, FIT_IN_RENDER);
    expect(first.reflowed).toBeNull();
    expect(first.rows[0].newDay).toBe(true);

    const page = Array.from({ length: 30 }, (_, i) => day(75 + i));
    const prepended = nextRowLayout(first, [...page, ...messages], { start: 0, end: 10 }, size0, FIT_IN_RENDER);
    expect(prepended.reflowed).toBe(first.rows[0].key);
    expect(prepended.rows[30].newDay).toBe(false); // it lost its separator: that is what the list corrects for

    const appended = nextRowLayout(prepended, [...prepended.messages, day(155)], { start: 70, end: 80 }, size0, FIT_IN_RENDER);
    expect(appended.reflowed).toBeNull();

    const edited = prepended.messages.map((m, i) => (i === 40 ? { ...m, body: "edited" } : m));
    expect(nextRowLayout(appended, [...edited, appended.messages.at(-1)!], { start: 70, end: 80 }, size0, FIT_IN_RENDER).reflowed).toBe(appended.rows[41].key);
    // The same list: nothing was rebuilt.
    expect(nextRowLayout(appended, [...appended.messages], { start: 70, end: 80 }, size0, FIT_IN_RENDER).reflowed).toBeNull();
    // Moving the slice keeps it (the same rows).
    expect(moveRowSlice(prepended, { from: 10, to: 50 }, size0).reflowed).toBe(prepended.reflowed);
  });
});

const size0 = (row: ThreadRow) => estimateRowHeight(row);

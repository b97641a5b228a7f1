import { describe, expect, it } from "vitest";
import { z } from "zod";
import { keysetCursor, keysetPage, PageSizeInput, type Seek } from "../keyset";

/** keysetPage against an in-memory list sorted by (name, id): the same contract the SQL lists implement. */
type Row = { name: string; id: number };
const rows: Row[] = Array.from({ length: 45 }, (_, i) => ({ name: `n${String(i).padStart(2, "0")}`, id: i + 1 }));
const Cursor = keysetCursor(z.tuple([z.string(), z.number().int()]));
const cmp = (a: readonly [string, number], b: readonly [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);

function fetchFrom(list: Row[]) {
  return async (seek: Seek<[string, number]> | null, take: number) => {
    if (!seek) return list.slice(0, take);
    if (seek.direction === "forward") return list.filter((r) => cmp([r.name, r.id], seek.key) > 0).slice(0, take);
    return list.filter((r) => cmp([r.name, r.id], seek.key) < 0).reverse().slice(0, take);
  };
}

async function page(list: Row[], q: { after?: string | null; before?: string | null; limit?: number }) {
  const parsed = z
    .object({ after: Cursor.schema.optional(), before: Cursor.schema.optional(), limit: PageSizeInput })
    .parse({ after: q.after ?? undefined, before: q.before ?? undefined, limit: q.limit });
  return keysetPage({ page: parsed, encode: Cursor.encode, keyOf: (r: Row) => [r.name, r.id] as [string, number], fetch: fetchFrom(list), total: list.length });
}

describe("keysetPage", () => {
  it("walks forward and back with X–Y positions, full pages, and no cursor past either end", async () => {
    const p1 = await page(rows, { limit: 20 });
    expect([p1.from, p1.items.length, p1.prev, !!p1.next]).toEqual([1, 20, null, true]);
    const p2 = await page(rows, { after: p1.next, limit: 20 });
    expect([p2.from, p2.items[0].id, !!p2.prev, !!p2.next]).toEqual([21, 21, true, true]);
    const p3 = await page(rows, { after: p2.next, limit: 20 });
    expect([p3.from, p3.items.length, p3.next]).toEqual([41, 5, null]);
    const b2 = await page(rows, { before: p3.prev, limit: 20 });
    expect(b2.items).toEqual(p2.items);
    expect(b2.from).toBe(21);
    const b1 = await page(rows, { before: b2.prev, limit: 20 });
    expect([b1.from, b1.prev, b1.items[0].id]).toEqual([1, null, 1]);
  });

  it("a Prev that reaches the start is the first page, even after rows before it were deleted", async () => {
    const p1 = await page(rows, { limit: 20 });
    const p2 = await page(rows, { after: p1.next, limit: 20 });
    const fewer = rows.filter((r) => r.id > 10);
    const back = await page(fewer, { before: p2.prev, limit: 20 });
    expect([back.from, back.prev, back.items.length]).toEqual([1, null, 10]);
  });

  it("refuses forged cursors, both directions at once, and other page sizes", async () => {
    const forged = Buffer.from(JSON.stringify({ o: -1, k: ["x", 1] })).toString("base64url");
    for (const q of [{ after: "!!" }, { after: forged }, { after: Buffer.from("[1,2]").toString("base64url") }, { limit: 25 }]) {
      await expect(page(rows, q), JSON.stringify(q)).rejects.toMatchObject({ name: "ZodError" });
    }
    const p1 = await page(rows, { limit: 20 });
    await expect(page(rows, { after: p1.next, before: p1.next })).rejects.toMatchObject({ code: "bad_request" });
  });
});

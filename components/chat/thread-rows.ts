import type { ThreadMessage } from "./chat-sync";

/**
 * What the virtual list renders per message: the message, whether a date
 * separator goes above it, and whether it starts a run from one sender (the
 * visitor side shows the staff member's name and avatar only then).
 * Pure, so day boundaries and runs are unit tests.
 */
export type ThreadRow = {
  key: string;
  m: ThreadMessage;
  /** Local calendar day number (days since the epoch, in this browser's time zone). */
  day: number;
  newDay: boolean;
  /** The first message of a later chat, under the visitor's earlier ones (history across chats). */
  newConversation: boolean;
  firstOfRun: boolean;
};

// Per message object: the reducer keeps a stored message's object across states, so 50,000 rows
// cost one Date parse each, once, not on every new message.
const dayCache = new WeakMap<ThreadMessage, number>();

/** The local calendar day of an instant, as a day number: equal numbers are the same day on the wall calendar. */
export function localDay(d: Date): number {
  return Math.floor(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 86_400_000);
}

function dayOf(m: ThreadMessage): number {
  let d = dayCache.get(m);
  if (d === undefined) {
    d = localDay(new Date(m.createdAt));
    dayCache.set(m, d);
  }
  return d;
}

function senderKey(m: ThreadMessage): string {
  return m.senderKind === "agent" || m.senderKind === "admin" ? `${m.senderKind}:${m.senderId ?? ""}` : m.senderKind;
}

/** The key a message keeps from "Sending…" to stored: the clientMsgId is unique in a chat. */
export function rowKey(m: ThreadMessage): string {
  return m.clientMsgId ? `c:${m.clientMsgId}` : `m:${m.id}`;
}

function rowFor(m: ThreadMessage, prev: ThreadMessage | undefined): ThreadRow {
  const day = dayOf(m);
  const newDay = !prev || day !== dayOf(prev);
  const newConversation = !!prev && prev.conversationId !== m.conversationId;
  const firstOfRun = newDay || newConversation || !prev || prev.senderKind === "system" || senderKey(prev) !== senderKey(m);
  return { key: rowKey(m), m, day, newDay, newConversation, firstOfRun };
}

export function buildRows(messages: readonly ThreadMessage[]): ThreadRow[] {
  const rows: ThreadRow[] = new Array(messages.length);
  for (let i = 0; i < messages.length; i++) rows[i] = rowFor(messages[i], messages[i - 1]);
  return rows;
}

/** How the next message list relates to the previous one: same objects at the head and at the tail, a changed stretch between. */
export type RowsChange = { prevLength: number; nextLength: number; head: number; tail: number };

/**
 * buildRows for the next list, reusing the previous rows where the messages
 * are the same objects (the reducer keeps them): a page prepended to 50,000
 * messages, or one message appended, builds a handful of rows, not 50,000.
 * A row depends on its message and the one before it, so the first row after
 * a changed stretch is rebuilt too. Also says what changed (see RowsChange),
 * so what is laid out around the reader can follow its rows.
 */
export function updateRowsWithChange(
  prev: { messages: readonly ThreadMessage[]; rows: ThreadRow[] } | null,
  next: readonly ThreadMessage[],
): { rows: ThreadRow[]; change: RowsChange } {
  if (!prev || prev.messages.length === 0 || next.length === 0) {
    return { rows: buildRows(next), change: { prevLength: prev?.messages.length ?? 0, nextLength: next.length, head: 0, tail: 0 } };
  }
  const pm = prev.messages;
  let a = 0;
  while (a < pm.length && a < next.length && pm[a] === next[a]) a++;
  let b = 0;
  while (b < pm.length - a && b < next.length - a && pm[pm.length - 1 - b] === next[next.length - 1 - b]) b++;
  const change = { prevLength: pm.length, nextLength: next.length, head: a, tail: b };
  if (a === pm.length && a === next.length) return { rows: prev.rows, change };
  const out: ThreadRow[] = prev.rows.slice(0, a);
  const suffixStart = next.length - b;
  for (let i = a; i < suffixStart; i++) out.push(rowFor(next[i], next[i - 1]));
  if (b === 0) return { rows: out, change };
  out.push(rowFor(next[suffixStart], next[suffixStart - 1]));
  return { rows: out.concat(prev.rows.slice(pm.length - b + 1)), change };
}

export function updateRows(prev: { messages: readonly ThreadMessage[]; rows: ThreadRow[] } | null, next: readonly ThreadMessage[]): ThreadRow[] {
  return updateRowsWithChange(prev, next).rows;
}

/**
 * The stretch of rows [from, to) the virtual list lays out one by one; the
 * rows before and after it are two spacers of their (measured or estimated)
 * height, so the scroll height is the whole thread's. The list's per-row
 * bookkeeping is linear in what it lays out (a row measured near the top
 * re-positions every row after it), so with 50,000 loaded messages it gets a
 * few hundred around the reader, not 50,000.
 */
export type RowSlice = { from: number; to: number };

/** Where a row of the previous list is in the next one (a row of the changed stretch: where that stretch starts). */
export function carryRow(r: number, c: RowsChange): number {
  if (r < c.head) return r;
  if (r >= c.prevLength - c.tail) return r + c.nextLength - c.prevLength;
  return c.head;
}

/**
 * A slice of the previous rows over the next ones. An edge at the start of the
 * thread stays there and one at its end stays at the end, so an older page
 * prepended above a reader at the top is laid out (it is what they scroll to
 * next), and so is a new message under a reader at the bottom.
 */
export function carrySlice(s: RowSlice | null, c: RowsChange): RowSlice {
  if (!s || c.prevLength === 0) return { from: 0, to: c.nextLength };
  const edge = (x: number) => (x >= c.prevLength ? c.nextLength : x <= c.head ? x : x >= c.prevLength - c.tail ? x + c.nextLength - c.prevLength : c.head);
  const from = edge(s.from);
  return { from: Math.min(from, c.nextLength), to: Math.max(from, edge(s.to)) };
}

export type SliceSize = {
  /** Rows laid out after a move. */
  size: number;
  /** Move when the visible rows come this close to an edge with more rows behind it. */
  margin: number;
  /** Past this many rows (appends under a reader at the bottom), trim. */
  max: number;
};

/**
 * The slice to lay out, given the rows on screen (`view`, inclusive): the same
 * one while the view is well inside it (so scrolling a little rebuilds
 * nothing), else `size` rows centred on the view.
 */
export function fitSlice(s: RowSlice, n: number, view: { start: number; end: number } | null, o: SliceSize): RowSlice {
  const from = Math.max(0, Math.min(s.from, n));
  const to = Math.max(from, Math.min(s.to, n));
  if (!view) return to - from > o.max ? { from: Math.max(0, n - o.size), to: n } : { from, to };
  const start = Math.max(0, Math.min(view.start, n - 1));
  const end = Math.max(start, Math.min(view.end, n - 1));
  const inside =
    (from === 0 || start >= from + o.margin) && (to === n || end < to - o.margin) && start >= from && end < Math.max(to, from + 1) && to - from <= o.max;
  if (inside) return { from, to };
  const centre = Math.floor((start + end) / 2);
  const f = Math.max(0, Math.min(centre - Math.floor(o.size / 2), n - o.size));
  return { from: f, to: Math.min(n, f + o.size) };
}

/**
 * The rows, the slice of them laid out, and the heights of the rows before
 * the slice (`above`) and after it (`below`), which the list shows as spacers.
 */
export type RowLayout = {
  messages: readonly ThreadMessage[];
  rows: ThreadRow[];
  slice: RowSlice;
  above: number;
  below: number;
  /**
   * The key of the row kept but rebuilt because the message before it changed
   * (the first row under a page prepended), else null. What changed is at its
   * top (its date separator or sender header came or went), so the list keeps
   * its text, not its top edge, where the reader had it.
   */
  reflowed: string | null;
};

/** A row's height as the list knows it (measured, else estimated). */
export type RowHeight = (r: ThreadRow) => number;

function heightOf(size: RowHeight, rows: ThreadRow[], from: number, to: number): number {
  let h = 0;
  for (let i = from; i < to; i++) h += size(rows[i]);
  return h;
}

/**
 * The layout for the next message list: rows updated, the slice carried over
 * and, if the rows on screen (`seen`, as rows of the previous list) fell out
 * of it, fitted to them. A spacer's height is carried when the rows it stands
 * for are the same row objects, and corrected by the rows that changed: a page
 * prepended to 50,000 messages, or a message appended, doesn't sum 50,000
 * heights again.
 */
export function nextRowLayout(
  prev: RowLayout | null,
  messages: readonly ThreadMessage[],
  seen: { start: number; end: number } | null,
  size: RowHeight,
  fit: SliceSize,
): RowLayout {
  const { rows, change } = updateRowsWithChange(prev, messages);
  const onScreen = seen ? { start: carryRow(seen.start, change), end: carryRow(seen.end, change) } : null;
  const slice = fitSlice(carrySlice(prev?.slice ?? null, change), rows.length, onScreen, fit);
  if (!prev || change.prevLength === 0)
    return { messages, rows, slice, above: heightOf(size, rows, 0, slice.from), below: heightOf(size, rows, slice.to, rows.length), reflowed: null };
  const { head, prevLength, nextLength } = change;
  const shift = nextLength - prevLength;
  // Rows [0, head) are the previous row objects; so are those of the tail after its first (rebuilt: its predecessor changed).
  const reusedFromPrev = prevLength - change.tail + 1;
  const reusedFromNext = reusedFromPrev + shift;
  let above: number;
  if (slice.from === prev.slice.from && slice.from <= head) above = prev.above;
  else if (change.tail > 0 && slice.from === prev.slice.from + shift && prev.slice.from >= reusedFromPrev)
    above = prev.above - heightOf(size, prev.rows, 0, reusedFromPrev) + heightOf(size, rows, 0, reusedFromNext);
  else above = heightOf(size, rows, 0, slice.from);
  let below: number;
  if (slice.to === prev.slice.to + shift && (prev.slice.to === prevLength || (change.tail > 0 && prev.slice.to >= reusedFromPrev))) below = prev.below;
  else if (slice.to === prev.slice.to && prev.slice.to <= head) below = prev.below - heightOf(size, prev.rows, head, prevLength) + heightOf(size, rows, head, nextLength);
  else below = heightOf(size, rows, slice.to, rows.length);
  // A kept tail means something before it changed (same lists keep no tail): its first row was rebuilt.
  const reflowed = change.tail > 0 ? rows[nextLength - change.tail].key : null;
  return { messages, rows, slice, above, below, reflowed };
}

/** The same rows with another slice: each spacer changes by the rows that cross its edge. */
export function moveRowSlice(l: RowLayout, next: RowSlice, size: RowHeight): RowLayout {
  const { rows, slice } = l;
  const far = Math.abs(next.from - slice.from) + Math.abs(next.to - slice.to) > rows.length / 2;
  if (far) return { ...l, slice: next, above: heightOf(size, rows, 0, next.from), below: heightOf(size, rows, next.to, rows.length) };
  const above = next.from >= slice.from ? l.above + heightOf(size, rows, slice.from, next.from) : l.above - heightOf(size, rows, next.from, slice.from);
  const below = next.to <= slice.to ? l.below + heightOf(size, rows, next.to, slice.to) : l.below - heightOf(size, rows, slice.to, next.to);
  return { ...l, slice: next, above, below };
}

/** "Today", "Yesterday", or the date ("Mon, 12 Jan"; with the year when it isn't this year). */
export function dayLabel(day: number, today: number, locale?: string): string {
  if (day === today) return "Today";
  if (day === today - 1) return "Yesterday";
  const d = new Date(day * 86_400_000);
  const thisYear = new Date(today * 86_400_000).getUTCFullYear();
  return d.toLocaleDateString(locale, {
    timeZone: "UTC",
    weekday: "short",
    day: "numeric",
    month: "short",
    ...(d.getUTCFullYear() !== thisYear ? { year: "numeric" } : {}),
  });
}

/** Two letters for an avatar: initials of the first and last word ("Arlo Agent" → "AA"). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const first = [...words[0]][0] ?? "";
  const last = words.length > 1 ? ([...words[words.length - 1]][0] ?? "") : "";
  return (first + last).toUpperCase();
}

/** A first guess at a row's height before it is measured (the list corrects it on mount). */
export function estimateRowHeight(r: ThreadRow): number {
  if (r.m.senderKind === "system") return 32 + (r.newDay ? 40 : 0);
  const lines = Math.max(1, Math.ceil(r.m.body.length / 38));
  return 44 + lines * 20 + (r.m.replyTo ? 44 : 0) + (r.m.attachment ? 200 : 0) + (r.newDay ? 40 : 0) + (r.firstOfRun ? 8 : 0);
}

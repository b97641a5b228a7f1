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

/**
 * buildRows for the next list, reusing the previous rows where the messages
 * are the same objects (the reducer keeps them): a page prepended to 50,000
 * messages, or one message appended, builds a handful of rows, not 50,000.
 * A row depends on its message and the one before it, so the first row after
 * a changed stretch is rebuilt too.
 */
export function updateRows(prev: { messages: readonly ThreadMessage[]; rows: ThreadRow[] } | null, next: readonly ThreadMessage[]): ThreadRow[] {
  if (!prev || prev.messages.length === 0 || next.length === 0) return buildRows(next);
  const pm = prev.messages;
  let a = 0;
  while (a < pm.length && a < next.length && pm[a] === next[a]) a++;
  let b = 0;
  while (b < pm.length - a && b < next.length - a && pm[pm.length - 1 - b] === next[next.length - 1 - b]) b++;
  if (a === pm.length && a === next.length) return prev.rows;
  const out: ThreadRow[] = prev.rows.slice(0, a);
  const suffixStart = next.length - b;
  for (let i = a; i < suffixStart; i++) out.push(rowFor(next[i], next[i - 1]));
  if (b > 0) {
    out.push(rowFor(next[suffixStart], next[suffixStart - 1]));
    for (let j = pm.length - b + 1; j < pm.length; j++) out.push(prev.rows[j]);
  }
  return out;
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

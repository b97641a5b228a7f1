import { bucketOf, matchesSearch, type Bucket } from "@/lib/inbox/buckets";
import type { InboxItem } from "@/lib/inbox/list-bucket";
import type { ConversationDTO, MessageDTO } from "@/lib/realtime/protocol";

/**
 * The open bucket's list and how live frames change it. Pure functions, so the
 * rules (which bucket a chat belongs in, where it sorts, when an insert would
 * open a gap in the paged list) are unit-tested without a browser.
 */
export type ListState = {
  /** bucket + search the items belong to; responses for another key are stale and dropped. */
  key: string;
  items: InboxItem[];
  nextCursor: string | null;
  status: "loading" | "ready" | "error";
  error: string | null;
  loadingMore: boolean;
  moreError: string | null;
  /**
   * `conversation` frames that arrived while the first page was loading. The
   * page may have been read before they committed (an agent coming online is
   * handed queued chats at that very moment), so they're applied on top of it.
   */
  pending: Extract<ListAction, { type: "conversation" }>[];
};

export const listKey = (bucket: Bucket, q: string) => `${bucket}\u0000${q.trim()}`;

export const initialList = (key: string): ListState => ({
  key,
  items: [],
  nextCursor: null,
  status: "loading",
  error: null,
  loadingMore: false,
  moreError: null,
  pending: [],
});

/** Same order as the server: last message time, then id, both descending. */
export function byActivity(a: { lastMessageAt: string; id: number }, b: { lastMessageAt: string; id: number }) {
  return b.lastMessageAt.localeCompare(a.lastMessageAt) || b.id - a.id;
}

export type ListAction =
  | { type: "reset"; key: string }
  | { type: "loadingMore" }
  | { type: "page"; key: string; items: InboxItem[]; nextCursor: string | null; append: boolean }
  | { type: "failed"; key: string; error: string; append: boolean }
  | { type: "head"; key: string; items: InboxItem[]; nextCursor: string | null }
  | { type: "conversation"; conversation: ConversationDTO; bucket: Bucket; q: string; me: number }
  | { type: "message"; message: MessageDTO; countUnread: boolean }
  | { type: "star"; id: number; starred: boolean };

export function listReducer(s: ListState, a: ListAction): ListState {
  switch (a.type) {
    case "reset":
      return initialList(a.key);
    case "loadingMore":
      return { ...s, loadingMore: true, moreError: null };
    case "page": {
      if (a.key !== s.key) return s;
      if (!a.append) {
        const hasMore = a.nextCursor !== null;
        const items = s.pending.reduce((xs, p) => applyConversation(xs, p.conversation, { bucket: p.bucket, q: p.q, me: p.me, hasMore }), a.items);
        return { ...s, items, nextCursor: a.nextCursor, status: "ready", error: null, loadingMore: false, pending: [] };
      }
      // A chat inserted live may also arrive in a later page: keep one copy.
      const have = new Set(s.items.map((i) => i.id));
      return { ...s, items: [...s.items, ...a.items.filter((i) => !have.has(i.id))], nextCursor: a.nextCursor, loadingMore: false, moreError: null };
    }
    case "failed":
      if (a.key !== s.key) return s;
      return a.append ? { ...s, loadingMore: false, moreError: a.error } : { ...s, status: "error", error: a.error, loadingMore: false };
    case "head":
      if (a.key !== s.key || s.status !== "ready") return s;
      return { ...s, ...mergeHead(s, a.items, a.nextCursor) };
    case "conversation":
      if (s.status === "loading") return { ...s, pending: [...s.pending, a] };
      if (s.status !== "ready") return s;
      return { ...s, items: applyConversation(s.items, a.conversation, { bucket: a.bucket, q: a.q, me: a.me, hasMore: s.nextCursor !== null }) };
    case "message":
      return { ...s, items: applyMessage(s.items, a.message, a.countUnread) };
    case "star":
      return { ...s, items: s.items.map((i) => (i.id === a.id ? { ...i, starred: a.starred } : i)) };
  }
}

/**
 * Move a chat in or out of the open bucket after a `conversation` frame. A
 * chat that sorts below the last loaded row of a list with more pages is left
 * for paging to bring in, so the list never shows a gap.
 */
export function applyConversation(
  items: InboxItem[],
  c: ConversationDTO,
  o: { bucket: Bucket; q: string; me: number; hasMore: boolean },
): InboxItem[] {
  const belongs = bucketOf(c, o.me) === o.bucket && matchesSearch(c, o.q);
  const existing = items.find((i) => i.id === c.id);
  const rest = items.filter((i) => i.id !== c.id);
  if (!belongs) return existing ? rest : items;
  const next: InboxItem = { ...c, starred: existing?.starred ?? false };
  const last = rest.at(-1);
  if (!existing && o.hasMore && last && byActivity(next, last) > 0) return items;
  return [...rest, next].sort(byActivity);
}

/** A new message: preview, time and unread badge of its row, then re-sort by activity. */
export function applyMessage(items: InboxItem[], m: MessageDTO, countUnread: boolean): InboxItem[] {
  if (!items.some((i) => i.id === m.conversationId)) return items;
  return items
    .map((i) =>
      i.id === m.conversationId
        ? {
            ...i,
            lastMessageAt: m.createdAt > i.lastMessageAt ? m.createdAt : i.lastMessageAt,
            lastMessagePreview: m.body ? m.body.slice(0, 140) : "📷 Image",
            staffUnread: i.staffUnread + (countUnread && m.senderKind === "visitor" ? 1 : 0),
          }
        : i,
    )
    .sort(byActivity);
}

/**
 * Refresh the first page in place (buckets without live frames: the queue and
 * teammates' chats). Rows inside the refreshed range are replaced by the
 * server's; rows below it are kept.
 */
export function mergeHead(s: ListState, head: InboxItem[], headCursor: string | null): Pick<ListState, "items" | "nextCursor"> {
  if (headCursor === null) return { items: head, nextCursor: null };
  const boundary = head.at(-1);
  if (!boundary) return { items: head, nextCursor: headCursor };
  const ids = new Set(head.map((i) => i.id));
  const below = s.items.filter((i) => !ids.has(i.id) && byActivity(i, boundary) > 0);
  // Nothing loaded below the first page yet: the server's cursor is the right one.
  return { items: [...head, ...below], nextCursor: below.length ? s.nextCursor : headCursor };
}

/** Tab title with the total unread across buckets (product brief: "(3) Agent Console"). */
export function consoleTitle(totalUnread: number) {
  return totalUnread > 0 ? `(${totalUnread}) Agent Console` : "Agent Console";
}

import { bucketOf, matchesSearch, type Bucket } from "@/lib/inbox/buckets";
import type { InboxItem } from "@/lib/inbox/list-bucket";
import type { ConversationDTO, MessageDTO, ServerMessage } from "@/lib/realtime/protocol";

/** A message landed in some chat: its preview and time, without the message (`activity` frame). */
export type Activity = Omit<Extract<ServerMessage, { type: "activity" }>, "type">;

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
   * `conversation` and `activity` frames that arrived while the first page was
   * loading. The page may have been read before they committed (an agent
   * coming online is handed queued chats at that very moment), so they're
   * applied on top of it; both are idempotent, so a page that already has
   * them is unchanged.
   */
  pending: PendingAction[];
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
  /**
   * `countUnread`: a visitor message nobody is reading here. Own chats and the
   * open one also get the `message` frame, which does the counting for them.
   */
  | { type: "activity"; activity: Activity; me: number; openId: number | null; countUnread: boolean }
  | { type: "star"; id: number; starred: boolean };

type PendingAction = Extract<ListAction, { type: "conversation" | "activity" }>;

function applyPending(items: InboxItem[], p: PendingAction, hasMore: boolean): InboxItem[] {
  return p.type === "conversation"
    ? applyConversation(items, p.conversation, { bucket: p.bucket, q: p.q, me: p.me, hasMore })
    : applyActivity(items, p.activity, p);
}

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
        const items = s.pending.reduce((xs, p) => applyPending(xs, p, hasMore), a.items);
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
    case "activity":
      if (s.status === "loading") return { ...s, pending: [...s.pending, a] };
      if (s.status !== "ready") return s;
      return { ...s, items: applyActivity(s.items, a.activity, a) };
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
            ...latest(i, { lastMessageAt: m.createdAt, lastMessagePreview: m.body ? m.body.slice(0, 140) : "📷 Image" }),
            staffUnread: i.staffUnread + (countUnread && m.senderKind === "visitor" ? 1 : 0),
          }
        : i,
    )
    .sort(byActivity);
}

/**
 * A message landed in a chat of any bucket (`activity` frame): its row's
 * preview and time, then re-sort by activity. The unread badge counts it only
 * for rows no `message` frame reaches (the queue, teammates' chats, none of
 * them open here), and only when it is news to the row: a frame replayed on a
 * page that already has the message, or one that arrives after the chat's
 * newer state, changes nothing.
 */
export function applyActivity(items: InboxItem[], a: Activity, o: { me: number; openId: number | null; countUnread: boolean }): InboxItem[] {
  const row = items.find((i) => i.id === a.conversationId);
  if (!row || a.lastMessageAt < row.lastMessageAt) return items;
  const news = a.lastMessageAt > row.lastMessageAt;
  const counted = news && o.countUnread && a.fromVisitor && row.assigneeId !== o.me && row.id !== o.openId;
  const next: InboxItem = {
    ...row,
    lastMessageAt: a.lastMessageAt,
    lastMessagePreview: a.lastMessagePreview,
    staffUnread: row.staffUnread + (counted ? 1 : 0),
  };
  if (!news && next.lastMessagePreview === row.lastMessagePreview) return items;
  return items.map((i) => (i === row ? next : i)).sort(byActivity);
}

/**
 * News of a chat the list doesn't show (a `message` frame in an own bucket, an
 * `activity` frame in the queue or Others) may still concern it: a chat
 * further down than the loaded pages now sorts first. Only a re-read of the
 * first page can tell; a list without more pages already has all its chats.
 */
export function headMayGainChat(s: ListState, conversationId: number): boolean {
  return s.status === "ready" && s.nextCursor !== null && !s.items.some((i) => i.id === conversationId);
}

/** Frames can arrive out of order: a row's preview follows its newest message only. */
function latest(i: InboxItem, m: { lastMessageAt: string; lastMessagePreview: string }) {
  return m.lastMessageAt >= i.lastMessageAt ? m : { lastMessageAt: i.lastMessageAt, lastMessagePreview: i.lastMessagePreview };
}

/**
 * Refresh the first page in place (after a reconnect or a return to the tab,
 * when frames may have been missed). Rows inside the refreshed range are
 * replaced by the server's; rows below it are kept.
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

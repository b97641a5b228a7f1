import { describe, expect, it } from "vitest";
import type { InboxItem } from "@/lib/inbox/list-bucket";
import type { MessageDTO } from "@/lib/realtime/protocol";
import {
  headMayGainChat,
  applyActivity,
  applyConversation,
  applyMessage,
  consoleTitle,
  initialList,
  listKey,
  listReducer,
  mergeHead,
  type Activity,
  type ListState,
} from "../inbox-state";

const ME = 7;
const t = (min: number) => new Date(Date.UTC(2025, 0, 1, 12, min)).toISOString();

function item(id: number, min: number, over: Partial<InboxItem> = {}): InboxItem {
  return {
    id,
    projectId: 1,
    status: "active",
    assigneeId: ME,
    assigneeName: "Me",
    assignedToAi: false,
    leadStage: "new",
    visitor: { id: id * 10, name: `Visitor ${id}`, phone: `+4477009000${String(id).padStart(2, "0")}`, email: "v@example.test" },
    lastMessageAt: t(min),
    lastMessagePreview: "hi",
    staffUnread: 0,
    createdAt: t(0),
    closedAt: null,
    starred: false,
    ...over,
  };
}

function msg(conversationId: number, min: number, over: Partial<MessageDTO> = {}): MessageDTO {
  return {
    id: 1000 + min,
    conversationId,
    senderKind: "visitor",
    senderId: null,
    senderName: null,
    body: "new message",
    clientMsgId: `c${min}`,
    replyTo: null,
    attachment: null,
    createdAt: t(min),
    deliveredAt: null,
    readAt: null,
    ...over,
  };
}

const ids = (xs: { id: number }[]) => xs.map((x) => x.id);

function activity(conversationId: number, min: number, over: Partial<Activity> = {}): Activity {
  return { conversationId, lastMessageAt: t(min), lastMessagePreview: "new message", fromVisitor: true, ...over };
}

const TEAMMATE = 99;
/** The queue and a teammate's chats: no `message` frame reaches this console for them. */
const queued = (id: number, min: number, over: Partial<InboxItem> = {}) => item(id, min, { status: "queued", assigneeId: null, assigneeName: null, ...over });
const theirs = (id: number, min: number, over: Partial<InboxItem> = {}) => item(id, min, { assigneeId: TEAMMATE, assigneeName: "Tom", ...over });
const nobodyReading = { me: ME, openId: null, countUnread: true };

describe("applyConversation", () => {
  const list = [item(3, 30), item(2, 20), item(1, 10)];
  const o = { bucket: "active" as const, q: "", me: ME, hasMore: false };

  it("moves a chat out when its status or owner changes", () => {
    expect(ids(applyConversation(list, { ...item(2, 20), status: "offline" }, o))).toEqual([3, 1]);
    expect(ids(applyConversation(list, { ...item(2, 20), assigneeId: 99 }, o))).toEqual([3, 1]);
    expect(ids(applyConversation(list, { ...item(2, 20), status: "queued", assigneeId: null }, o))).toEqual([3, 1]);
  });

  it("moves a chat in at its place by last message time, keeping the star", () => {
    expect(ids(applyConversation(list, item(4, 25), o))).toEqual([3, 4, 2, 1]);
    const starred = [item(5, 5, { starred: true })];
    expect(applyConversation(starred, { ...item(5, 50), staffUnread: 2 }, o)[0]).toMatchObject({ starred: true, staffUnread: 2 });
  });

  it("doesn't reorder on a change that isn't a new message (lead stage)", () => {
    expect(ids(applyConversation(list, { ...item(1, 10), leadStage: "converted" }, o))).toEqual([3, 2, 1]);
  });

  it("leaves a chat that sorts below the loaded rows for paging when more pages exist", () => {
    expect(ids(applyConversation(list, item(9, 1), { ...o, hasMore: true }))).toEqual([3, 2, 1]);
    expect(ids(applyConversation(list, item(9, 1), o))).toEqual([3, 2, 1, 9]);
  });

  it("respects the bucket's search", () => {
    expect(ids(applyConversation(list, item(4, 25), { ...o, q: "nobody" }))).toEqual([3, 2, 1]);
    expect(ids(applyConversation(list, item(4, 25), { ...o, q: "visitor 4" }))).toEqual([3, 4, 2, 1]);
  });

  it("routes queued chats to Unassigned and teammates' to Others", () => {
    const queued = { ...item(8, 40), status: "queued" as const, assigneeId: null };
    expect(ids(applyConversation([], queued, { ...o, bucket: "unassigned" }))).toEqual([8]);
    const theirs = { ...item(8, 40), assigneeId: 99 };
    expect(ids(applyConversation([], theirs, { ...o, bucket: "others" }))).toEqual([8]);
    expect(ids(applyConversation([], { ...theirs, status: "closed" as const }, { ...o, bucket: "others" }))).toEqual([]);
  });
});

describe("applyMessage", () => {
  it("updates preview, time and unread, and moves the chat to the top", () => {
    const out = applyMessage([item(3, 30), item(2, 20), item(1, 10)], msg(1, 40, { body: "where is my order?" }), true);
    expect(ids(out)).toEqual([1, 3, 2]);
    expect(out[0]).toMatchObject({ lastMessagePreview: "where is my order?", lastMessageAt: t(40), staffUnread: 1 });
  });

  it("doesn't count the agent's own messages or a chat being read", () => {
    expect(applyMessage([item(1, 10)], msg(1, 40, { senderKind: "agent" }), true)[0].staffUnread).toBe(0);
    expect(applyMessage([item(1, 10)], msg(1, 40), false)[0].staffUnread).toBe(0);
  });

  it("keeps the newest preview when an older message's frame arrives late", () => {
    const out = applyMessage([item(1, 40, { lastMessagePreview: "second" })], msg(1, 30, { body: "first" }), true);
    expect(out[0]).toMatchObject({ lastMessagePreview: "second", lastMessageAt: t(40), staffUnread: 1 });
  });

  it("shows images as such and ignores chats not in the list", () => {
    expect(applyMessage([item(1, 10)], msg(1, 40, { body: "" }), true)[0].lastMessagePreview).toBe("📷 Image");
    const list = [item(1, 10)];
    expect(applyMessage(list, msg(5, 40), true)).toBe(list);
  });
});

describe("applyActivity", () => {
  it("updates a queued chat's preview, time and unread and moves it to the top of Unassigned", () => {
    const out = applyActivity([queued(3, 30), queued(2, 20), queued(1, 10)], activity(1, 40, { lastMessagePreview: "anyone there?" }), nobodyReading);
    expect(ids(out)).toEqual([1, 3, 2]);
    expect(out[0]).toMatchObject({ lastMessagePreview: "anyone there?", lastMessageAt: t(40), staffUnread: 1 });
  });

  it("reorders teammates' chats in Others on their agent's replies too, without counting those", () => {
    const out = applyActivity([theirs(3, 30), theirs(2, 20)], activity(2, 40, { fromVisitor: false, lastMessagePreview: "on it" }), nobodyReading);
    expect(ids(out)).toEqual([2, 3]);
    expect(out[0]).toMatchObject({ lastMessagePreview: "on it", staffUnread: 0 });
  });

  it("leaves counting to the message frame for own chats and the open chat, and to no one when it's being read", () => {
    // Own chat: the `message` frame on the staff room counts it.
    expect(applyActivity([item(1, 10)], activity(1, 40), nobodyReading)[0]).toMatchObject({ lastMessageAt: t(40), staffUnread: 0 });
    // The open chat is joined: its `message` frame counts it.
    expect(applyActivity([queued(1, 10)], activity(1, 40), { ...nobodyReading, openId: 1 })[0].staffUnread).toBe(0);
    expect(applyActivity([queued(1, 10)], activity(1, 40), { ...nobodyReading, countUnread: false })[0].staffUnread).toBe(0);
  });

  it("is idempotent: the message frame of an own chat and its activity frame, in either order, count once", () => {
    const m = msg(1, 40, { body: "new message" });
    const a = activity(1, 40);
    const first = applyActivity(applyMessage([item(1, 10)], m, true), a, nobodyReading);
    const second = applyMessage(applyActivity([item(1, 10)], a, nobodyReading), m, true);
    expect(first[0]).toMatchObject({ staffUnread: 1, lastMessageAt: t(40), lastMessagePreview: "new message" });
    expect(second[0]).toMatchObject({ staffUnread: 1, lastMessageAt: t(40), lastMessagePreview: "new message" });
    // A replay on a row that already has it changes nothing.
    const list = [queued(1, 40, { lastMessagePreview: "new message", staffUnread: 1 })];
    expect(applyActivity(list, a, nobodyReading)).toBe(list);
  });

  it("ignores a late frame older than the row, and chats not in the list", () => {
    const list = [queued(2, 50, { lastMessagePreview: "newest" }), queued(1, 10)];
    expect(applyActivity(list, activity(2, 45, { lastMessagePreview: "older" }), nobodyReading)).toBe(list);
    expect(applyActivity(list, activity(7, 60), nobodyReading)).toBe(list);
  });
});

describe("headMayGainChat", () => {
  const k = listKey("unassigned", "");
  const ready = (nextCursor: string | null): ListState => ({ ...initialList(k), status: "ready", items: [queued(2, 20), queued(1, 10)], nextCursor });

  it("re-reads the first page only for a chat that may be further down than the loaded pages", () => {
    expect(headMayGainChat(ready("more"), 9)).toBe(true);
    expect(headMayGainChat(ready("more"), 2)).toBe(false);
    // Every chat of the bucket is loaded: an unknown one is some other bucket's.
    expect(headMayGainChat(ready(null), 9)).toBe(false);
    expect(headMayGainChat(initialList(k), 9)).toBe(false);
  });
});

describe("listReducer", () => {
  it("drops responses for a bucket or search that is no longer shown", () => {
    const s = initialList(listKey("active", ""));
    const stale = listReducer(s, { type: "page", key: listKey("offline", ""), items: [item(1, 1)], nextCursor: null, append: false });
    expect(stale).toBe(s);
  });

  it("applies chats that moved while the first page was loading on top of it", () => {
    const k = listKey("active", "");
    let s: ListState = initialList(k);
    // Handed a queued chat while the (older) first page was in flight; another chat left meanwhile.
    s = listReducer(s, { type: "conversation", conversation: item(5, 50), bucket: "active", q: "", me: ME });
    s = listReducer(s, { type: "conversation", conversation: { ...item(2, 20), status: "offline" }, bucket: "active", q: "", me: ME });
    s = listReducer(s, { type: "page", key: k, items: [item(3, 30), item(2, 20)], nextCursor: null, append: false });
    expect(ids(s.items)).toEqual([5, 3]);
    expect(s.pending).toEqual([]);
  });

  it("applies activity that arrived while the first page was loading, once", () => {
    const k = listKey("unassigned", "");
    const act = { type: "activity" as const, activity: activity(1, 40, { lastMessagePreview: "hello?" }), ...nobodyReading };
    // The page was read before the message committed…
    let s = listReducer(listReducer(initialList(k), act), { type: "page", key: k, items: [queued(2, 20), queued(1, 10)], nextCursor: null, append: false });
    expect(ids(s.items)).toEqual([1, 2]);
    expect(s.items[0]).toMatchObject({ lastMessagePreview: "hello?", staffUnread: 1 });
    // …or after: the page already has it, and nothing is counted twice.
    const fresh = [queued(1, 40, { lastMessagePreview: "hello?", staffUnread: 1 }), queued(2, 20)];
    s = listReducer(listReducer(initialList(k), act), { type: "page", key: k, items: fresh, nextCursor: null, append: false });
    expect(s.items).toEqual(fresh);
  });

  it("moves rows of every bucket live on activity once ready", () => {
    const k = listKey("others", "");
    let s: ListState = listReducer(initialList(k), { type: "page", key: k, items: [theirs(2, 20), theirs(1, 10)], nextCursor: null, append: false });
    s = listReducer(s, { type: "activity", activity: activity(1, 30, { lastMessagePreview: "thanks!" }), ...nobodyReading });
    expect(ids(s.items)).toEqual([1, 2]);
    expect(s.items[0].lastMessagePreview).toBe("thanks!");
  });

  it("appends pages without duplicating a chat that arrived live", () => {
    const k = listKey("active", "");
    let s: ListState = listReducer(initialList(k), { type: "page", key: k, items: [item(3, 30), item(2, 20)], nextCursor: "x", append: false });
    s = listReducer(s, { type: "conversation", conversation: item(1, 25), bucket: "active", q: "", me: ME });
    s = listReducer(s, { type: "page", key: k, items: [item(1, 25), item(0, 5)], nextCursor: null, append: true });
    expect(ids(s.items)).toEqual([3, 1, 2, 0]);
    expect(s.nextCursor).toBeNull();
  });
});

describe("mergeHead", () => {
  it("replaces the first page and keeps rows loaded below it", () => {
    const k = listKey("unassigned", "");
    const s: ListState = { ...initialList(k), status: "ready", items: [item(5, 50), item(4, 40), item(3, 30), item(2, 20)], nextCursor: "old" };
    // Chat 4 was picked by someone else; chat 6 joined the queue.
    const out = mergeHead(s, [item(6, 60), item(5, 50), item(3, 30)], "head");
    expect(ids(out.items)).toEqual([6, 5, 3, 2]);
    expect(out.nextCursor).toBe("old");
    expect(mergeHead(s, [item(6, 60)], null)).toEqual({ items: [item(6, 60)], nextCursor: null });
  });
});

it("titles the tab with the unread total", () => {
  expect(consoleTitle(0)).toBe("Agent Console");
  expect(consoleTitle(3)).toBe("(3) Agent Console");
});

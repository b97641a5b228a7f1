import { describe, expect, it } from "vitest";
import { ACK_TIMEOUT_MS } from "@/lib/constants";
import type { MessageDTO, ReceiptState, ServerMessage } from "@/lib/realtime/protocol";
import {
  chatSync,
  initChatSync,
  joinFrame,
  joinRef,
  MAX_AUTO_RETRIES,
  nextRetryAt,
  receiptsDue,
  RETRY_BASE_MS,
  RETRYABLE_CODE,
  retriesDue,
  retryDelayMs,
  sendFrame,
  tickOf,
  type ChatSyncEvent,
  type ChatSyncState,
  type Side,
} from "../chat-sync";

const CONV = 7;
const T0 = Date.parse("2026-12-01T10:00:00Z");

function msg(id: number, over: Partial<MessageDTO> = {}): MessageDTO {
  return {
    id,
    conversationId: CONV,
    senderKind: "visitor",
    senderId: null,
    senderName: null,
    body: `message ${id}`,
    clientMsgId: `client-${id}-xxxxxxxx`,
    replyTo: null,
    attachment: null,
    createdAt: new Date(T0 + id * 1000).toISOString(),
    deliveredAt: null,
    readAt: null,
    ...over,
  };
}

const staffMsg = (id: number, over: Partial<MessageDTO> = {}) => msg(id, { senderKind: "agent", senderId: 3, senderName: "Arlo", ...over });

const RECEIPTS: ReceiptState = { visitorMsgsDeliveredUpTo: 0, visitorMsgsReadUpTo: 0, staffMsgsDeliveredUpTo: 0, staffMsgsReadUpTo: 0 };

function joined(messages: MessageDTO[], over: Partial<Extract<ServerMessage, { type: "joined" }>> = {}): ServerMessage {
  return {
    type: "joined",
    ref: joinRef(CONV),
    conversationId: CONV,
    messages,
    more: false,
    olderCursor: null,
    receipts: RECEIPTS,
    conversation: { id: CONV, status: "active", agentName: null, queuePosition: null, nobodyAvailable: false, previousConversationId: null },
    ...over,
  };
}

const live = (m: MessageDTO, prevId: number): ServerMessage => ({ type: "message", message: { ...m, prevId } });
const ack = (m: MessageDTO, prevId?: number): ServerMessage => ({ type: "ack", ref: m.clientMsgId, clientMsgId: m.clientMsgId, message: { ...m, prevId } });

/** Apply server frames and client events in order, from a fresh state. */
function run(side: Side, ...events: (ChatSyncEvent | ServerMessage)[]): ChatSyncState {
  return events.reduce<ChatSyncState>((s, e) => chatSync(s, isFrame(e) ? { type: "frame", frame: e } : e), initChatSync(side, CONV));
}

const FRAME_TYPES = new Set(["hello", "pong", "joined", "ack", "message", "receipt", "typing", "conversation", "chat", "moved", "revoked"]);
function isFrame(e: ChatSyncEvent | ServerMessage): e is ServerMessage {
  // Only "error" is both an event and a frame; the frame carries a code.
  return FRAME_TYPES.has(e.type) || (e.type === "error" && "code" in e);
}

const ids = (s: ChatSyncState) => s.messages.map((m) => (m.local ? `${m.local}:${m.clientMsgId}` : m.id));

describe("chat-sync: joining and live frames", () => {
  it("a first join shows the page and marks everything up to its last id as synced", () => {
    const s = run("staff", joined([msg(1), msg(2), msg(3)], { olderCursor: "c1" }));
    expect(ids(s)).toEqual([1, 2, 3]);
    expect(s.syncedUpTo).toBe(3);
    expect(s.olderCursor).toBe("c1");
    expect(s.loaded && s.live).toBe(true);
    expect(joinFrame(s)).toEqual({ type: "join", ref: joinRef(CONV), conversationId: CONV, afterId: 3 });
  });

  it("an empty chat is synced up to 0, so the rejoin asks for everything after nothing", () => {
    const s = run("visitor", joined([]));
    expect(s.syncedUpTo).toBe(0);
    expect(joinFrame(s)).toMatchObject({ afterId: 0 });
    expect(joinFrame(initChatSync("visitor", CONV))).toMatchObject({ afterId: undefined });
  });

  it("out-of-order live frames are shown in id order, and the sync mark waits for the missing one", () => {
    let s = run("staff", joined([msg(1)]));
    s = chatSync(s, { type: "frame", frame: live(msg(3), 2) });
    expect(ids(s)).toEqual([1, 3]);
    expect(s.syncedUpTo).toBe(1);
    s = chatSync(s, { type: "frame", frame: live(msg(4), 3) });
    expect(s.syncedUpTo).toBe(1);
    s = chatSync(s, { type: "frame", frame: live(msg(2), 1) });
    expect(ids(s)).toEqual([1, 2, 3, 4]);
    expect(s.syncedUpTo).toBe(4);
    expect(s.ahead).toEqual({});
  });

  it("a reconnect after missed frames rejoins after the last synced id and fills the gap exactly once", () => {
    let s = run("staff", joined([msg(1), msg(2)]));
    // Frame 3 is lost with the connection; 4 made it just before the drop.
    s = chatSync(s, { type: "frame", frame: live(msg(4), 3) });
    s = chatSync(s, { type: "disconnected" });
    expect(s.live).toBe(false);
    expect(joinFrame(s)).toMatchObject({ afterId: 2 });
    s = chatSync(s, { type: "opened", now: T0 });
    s = chatSync(s, { type: "frame", frame: joined([msg(3), msg(4), msg(5)]) });
    expect(ids(s)).toEqual([1, 2, 3, 4, 5]);
    expect(s.syncedUpTo).toBe(5);
    expect(s.live).toBe(true);
  });

  it("a rejoin's page that ends before frames already here continues along their chain", () => {
    let s = run("staff", joined([msg(1)]));
    s = chatSync(s, { type: "frame", frame: live(msg(3), 2) });
    s = chatSync(s, { type: "frame", frame: joined([msg(2)]) });
    expect(s.syncedUpTo).toBe(3);
  });

  it("live frames that beat the first join still count towards the chain", () => {
    let s = initChatSync("staff", CONV);
    s = chatSync(s, { type: "frame", frame: live(msg(4), 3) });
    s = chatSync(s, { type: "frame", frame: joined([msg(2), msg(3)]) });
    expect(ids(s)).toEqual([2, 3, 4]);
    expect(s.syncedUpTo).toBe(4);
  });

  it("a rejoin doesn't replace the first page's older cursor", () => {
    let s = run("staff", joined([msg(5)], { olderCursor: "before-5" }));
    s = chatSync(s, { type: "frame", frame: joined([msg(6)], { olderCursor: null }) });
    expect(s.olderCursor).toBe("before-5");
    s = chatSync(s, { type: "olderPage", messages: [msg(3), msg(4)], nextCursor: null });
    expect(ids(s)).toEqual([3, 4, 5, 6]);
    expect(s.olderCursor).toBeNull();
  });

  it("frames of other conversations are ignored", () => {
    const s0 = run("staff", joined([msg(1)]));
    const other = { ...msg(9), conversationId: CONV + 1 };
    let s = chatSync(s0, { type: "frame", frame: live(other, 8) });
    s = chatSync(s, { type: "frame", frame: { type: "typing", conversationId: CONV + 1, who: "visitor", on: true } });
    s = chatSync(s, { type: "frame", frame: { type: "receipt", conversationId: CONV + 1, side: "staff", kind: "read", upToId: 9 } });
    s = chatSync(s, { type: "frame", frame: joined([other], { conversationId: CONV + 1 }) });
    expect(s).toBe(s0);
  });
});

describe("chat-sync: the outbox", () => {
  const mine = staffMsg(2, { clientMsgId: "mine-aaaaaaaa", body: "hello" });
  const send: ChatSyncEvent = { type: "send", outgoing: { clientMsgId: mine.clientMsgId, body: "hello" }, now: T0 };

  it("a send shows as pending at the end, then the ack replaces it with the stored message", () => {
    let s = run("staff", joined([msg(1)]), send);
    expect(ids(s)).toEqual([1, `pending:${mine.clientMsgId}`]);
    expect(tickOf(s, s.messages[1])).toBe("pending");
    s = chatSync(s, { type: "frame", frame: ack(mine, 1) });
    expect(ids(s)).toEqual([1, 2]);
    expect(s.outbox).toEqual([]);
    expect(s.syncedUpTo).toBe(2);
    expect(tickOf(s, s.messages[1])).toBe("sent");
  });

  it("a duplicate ack changes nothing", () => {
    const once = run("staff", joined([msg(1)]), send, ack(mine, 1));
    const twice = chatSync(once, { type: "frame", frame: ack(mine, 1) });
    expect(ids(twice)).toEqual([1, 2]);
    expect(twice.messages).toEqual(once.messages);
    expect(twice.syncedUpTo).toBe(2);
  });

  it("an ack for a message that already arrived (in a rejoin's page) keeps one copy", () => {
    let s = run("staff", joined([msg(1)]), send);
    s = chatSync(s, { type: "frame", frame: joined([mine]) });
    // Stored: nothing left to acknowledge, so it can't expire into "failed".
    expect(s.outbox).toEqual([]);
    expect(ids(s)).toEqual([1, 2]);
    s = chatSync(s, { type: "frame", frame: ack(mine, 1) });
    expect(ids(s)).toEqual([1, 2]);
  });

  it("an ack for a message already delivered as a live frame (another tab of mine) keeps one copy", () => {
    let s = run("staff", joined([msg(1)]), send);
    s = chatSync(s, { type: "frame", frame: live(mine, 1) });
    expect(ids(s)).toEqual([1, 2]);
    s = chatSync(s, { type: "frame", frame: ack(mine, 1) });
    expect(ids(s)).toEqual([1, 2]);
    expect(s.outbox).toEqual([]);
  });

  it("offline, a send waits and never expires; its ack timeout starts when it goes out", () => {
    let s = run("visitor", joined([]), { type: "disconnected" }, { ...send, outgoing: { clientMsgId: "v-1-aaaaaaaa", body: "hi" } });
    s = chatSync(s, { type: "expire", now: T0 + ACK_TIMEOUT_MS * 10 });
    expect(s.messages[0].local).toBe("pending");
    s = chatSync(s, { type: "opened", now: T0 + ACK_TIMEOUT_MS * 10 });
    s = chatSync(s, { type: "sent", clientMsgIds: ["v-1-aaaaaaaa"], now: T0 + ACK_TIMEOUT_MS * 10 + 2_000 });
    s = chatSync(s, { type: "expire", now: T0 + ACK_TIMEOUT_MS * 11 });
    expect(s.messages[0].local).toBe("pending");
    s = chatSync(s, { type: "expire", now: T0 + ACK_TIMEOUT_MS * 11 + 2_001 });
    expect(s.messages[0].local).toBe("failed");
    expect(s.outbox).toEqual([]);
  });

  it("an unacknowledged send fails, and Retry re-sends it with the same clientMsgId", () => {
    let s = run("staff", joined([msg(1)]), send, { type: "sent", clientMsgIds: [mine.clientMsgId], now: T0 });
    s = chatSync(s, { type: "expire", now: T0 + ACK_TIMEOUT_MS + 1 });
    expect(ids(s)).toEqual([1, `failed:${mine.clientMsgId}`]);
    expect(tickOf(s, s.messages[1])).toBe("failed");
    s = chatSync(s, { type: "retry", clientMsgId: mine.clientMsgId });
    expect(ids(s)).toEqual([1, `pending:${mine.clientMsgId}`]);
    expect(s.outbox).toEqual([{ clientMsgId: mine.clientMsgId, body: "hello", replyToId: undefined, attachmentId: undefined, sentAt: null }]);
    s = chatSync(s, { type: "frame", frame: ack(mine, 1) });
    expect(ids(s)).toEqual([1, 2]);
  });

  it("an error frame about a send fails it; one about another ref is ignored", () => {
    let s = run("staff", joined([msg(1)]), send);
    const before = s;
    s = chatSync(s, { type: "frame", frame: { type: "error", ref: "someone-else", code: "forbidden", message: "No." } });
    expect(s).toBe(before);
    s = chatSync(s, { type: "frame", frame: { type: "error", ref: mine.clientMsgId, code: "conflict", message: "This chat is closed." } });
    expect(s.messages.at(-1)?.local).toBe("failed");
    expect(s.outbox).toEqual([]);
  });

  it("an error about this chat's join is shown", () => {
    const s = run("staff", { type: "error", ref: joinRef(CONV), code: "forbidden", message: "You can't open this chat." });
    expect(s.error).toBe("You can't open this chat.");
  });

  it("a visitor whose message started a new chat keeps the waiting sends across the switch", () => {
    const first = { clientMsgId: "v-first-aaaa", body: "one more thing" };
    const second = { clientMsgId: "v-second-aaa", body: "and another" };
    let s = run("visitor", joined([msg(1)]), { type: "send", outgoing: first, now: T0 }, { type: "send", outgoing: second, now: T0 });
    const moved = { ...msg(10, { clientMsgId: first.clientMsgId, body: first.body }), conversationId: CONV + 1 };
    s = chatSync(s, { type: "frame", frame: ack(moved, 0) });
    expect(s.outbox.map((o) => o.clientMsgId)).toEqual([second.clientMsgId]);
    s = chatSync(s, { type: "switch", conversationId: CONV + 1 });
    expect(s.conversationId).toBe(CONV + 1);
    expect(s.syncedUpTo).toBeNull();
    expect(ids(s)).toEqual([`pending:${second.clientMsgId}`]);
    expect(s.messages[0].conversationId).toBe(CONV + 1);
  });
});

describe("chat-sync: receipts, ticks, typing, rights", () => {
  it("receipt watermarks never go backwards, from frames or from a stale join", () => {
    let s = run("staff", joined([staffMsg(1), staffMsg(2), staffMsg(3)]));
    s = chatSync(s, { type: "frame", frame: { type: "receipt", conversationId: CONV, side: "staff", kind: "read", upToId: 3 } });
    s = chatSync(s, { type: "frame", frame: { type: "receipt", conversationId: CONV, side: "staff", kind: "delivered", upToId: 1 } });
    s = chatSync(s, { type: "frame", frame: { type: "receipt", conversationId: CONV, side: "staff", kind: "read", upToId: 2 } });
    expect(s.receipts).toMatchObject({ staffMsgsDeliveredUpTo: 3, staffMsgsReadUpTo: 3 });
    s = chatSync(s, { type: "frame", frame: joined([], { receipts: { ...RECEIPTS, staffMsgsDeliveredUpTo: 1 } }) });
    expect(s.receipts).toMatchObject({ staffMsgsDeliveredUpTo: 3, staffMsgsReadUpTo: 3 });
  });

  it("ticks: pending, failed, sent, delivered, read — and none on the other side's messages", () => {
    let s = run("visitor", joined([msg(1), msg(2), msg(3), staffMsg(4)]));
    s = chatSync(s, { type: "frame", frame: { type: "receipt", conversationId: CONV, side: "visitor", kind: "delivered", upToId: 2 } });
    s = chatSync(s, { type: "frame", frame: { type: "receipt", conversationId: CONV, side: "visitor", kind: "read", upToId: 1 } });
    s = chatSync(s, { type: "send", outgoing: { clientMsgId: "p-aaaaaaaa", body: "p" }, now: T0 });
    s = chatSync(s, { type: "send", outgoing: { clientMsgId: "f-aaaaaaaa", body: "f" }, now: T0 });
    s = chatSync(s, { type: "frame", frame: { type: "error", ref: "f-aaaaaaaa", code: "rate_limited", message: "Slow down." } });
    expect(s.messages.map((m) => tickOf(s, m))).toEqual(["read", "delivered", "sent", null, "pending", "failed"]);
    // A message stamped by the server counts too.
    expect(tickOf(s, { ...msg(3), readAt: new Date(T0).toISOString() })).toBe("read");
  });

  it("receipts are owed once each, read only when a person has the chat in front of them", () => {
    let s = run("staff", joined([msg(1), staffMsg(2), msg(3)]));
    expect(receiptsDue(s, false)).toEqual({ delivered: 3, read: undefined });
    s = chatSync(s, { type: "receiptSent", kind: "delivered", upToId: 3 });
    expect(receiptsDue(s, false)).toEqual({ delivered: undefined, read: undefined });
    expect(receiptsDue(s, true)).toEqual({ delivered: undefined, read: 3 });
    s = chatSync(s, { type: "receiptSent", kind: "read", upToId: 3 });
    s = chatSync(s, { type: "receiptSent", kind: "read", upToId: 1 });
    expect(s.sentReceipts).toEqual({ delivered: 3, read: 3 });
    // Offline (not joined), nothing is owed: the server would ignore it.
    s = chatSync(chatSync(s, { type: "frame", frame: live(msg(4), 3) }), { type: "disconnected" });
    expect(receiptsDue(s, true)).toEqual({});
  });

  it("typing from the other side shows and clears; our own side's is not shown to us", () => {
    let s = run("staff", joined([]));
    s = chatSync(s, { type: "frame", frame: { type: "typing", conversationId: CONV, who: "staff", on: true } });
    expect(s.otherTyping).toBe(false);
    s = chatSync(s, { type: "frame", frame: { type: "typing", conversationId: CONV, who: "visitor", on: true } });
    expect(s.otherTyping).toBe(true);
    s = chatSync(s, { type: "frame", frame: { type: "typing", conversationId: CONV, who: "visitor", on: false } });
    expect(s.otherTyping).toBe(false);
    s = chatSync(s, { type: "frame", frame: { type: "typing", conversationId: CONV, who: "visitor", on: true } });
    // Their message ends their typing; so does the safety timeout and a disconnect.
    expect(chatSync(s, { type: "frame", frame: live(msg(1), 0) }).otherTyping).toBe(false);
    expect(chatSync(s, { type: "typingTimeout" }).otherTyping).toBe(false);
    expect(chatSync(s, { type: "disconnected" }).otherTyping).toBe(false);
  });

  it("conversation updates replace the chat's state", () => {
    let s = run("visitor", joined([]));
    s = chatSync(s, { type: "frame", frame: { type: "chat", chat: { id: CONV, status: "closed", agentName: null, queuePosition: null, nobodyAvailable: false, previousConversationId: null } } });
    expect(s.conversation).toEqual({ id: CONV, status: "closed", agentName: null, queuePosition: null, nobodyAvailable: false, previousConversationId: null });
    s = chatSync(s, { type: "frame", frame: { type: "chat", chat: { id: CONV + 1, status: "active", agentName: null, queuePosition: null, nobodyAvailable: false, previousConversationId: null } } });
    expect(s.conversation).toEqual({ id: CONV, status: "closed", agentName: null, queuePosition: null, nobodyAvailable: false, previousConversationId: null });
  });

  it("revoked: the chat stops — pending sends fail, nothing is owed or joined, later frames are ignored", () => {
    let s = run("staff", joined([msg(1)]), { type: "send", outgoing: { clientMsgId: "r-aaaaaaaa", body: "x" }, now: T0 });
    s = chatSync(s, { type: "frame", frame: { type: "revoked", conversationId: CONV } });
    expect(s.revoked).toBe(true);
    expect(s.outbox).toEqual([]);
    expect(s.messages.at(-1)?.local).toBe("failed");
    expect(receiptsDue(s, true)).toEqual({});
    const after = chatSync(s, { type: "frame", frame: live(msg(2), 1) });
    expect(after).toBe(s);
    expect(chatSync(s, { type: "retry", clientMsgId: "r-aaaaaaaa" })).toBe(s);
    expect(chatSync(s, { type: "send", outgoing: { clientMsgId: "r2-aaaaaaa", body: "y" }, now: T0 })).toBe(s);
  });
});

describe("merging at the ends keeps what's loaded", () => {
  it("an older page goes in front without touching the loaded messages; live ones go after, ahead of pending sends", () => {
    let s = run("staff", joined([msg(10), msg(11), msg(12)]));
    const before = s.messages;
    s = chatSync(s, { type: "olderPage", messages: [msg(7), msg(8), msg(9)], nextCursor: null });
    expect(ids(s)).toEqual([7, 8, 9, 10, 11, 12]);
    // The same objects: a list of 50,000 rebuilds nothing for a page in front.
    expect(s.messages.slice(3)).toEqual(before);
    for (let i = 0; i < 3; i++) expect(s.messages[3 + i]).toBe(before[i]);

    s = chatSync(s, { type: "frame", frame: live(msg(13), 12) });
    expect(ids(s)).toEqual([7, 8, 9, 10, 11, 12, 13]);
    // Interleaving (a catch-up overlapping what's here) still merges by id, without doubles.
    s = chatSync(s, { type: "olderPage", messages: [msg(6), msg(9), msg(10)], nextCursor: null });
    expect(ids(s)).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
  });
});

describe("chat-sync: automatic retries after a database blip", () => {
  const mine = staffMsg(2, { clientMsgId: "mine-retry-aaaa", body: "hello" });
  const send: ChatSyncEvent = { type: "send", outgoing: { clientMsgId: mine.clientMsgId, body: "hello" }, now: T0 };
  const unavailable = (ref = mine.clientMsgId): ServerMessage => ({ type: "error", ref, code: "unavailable", message: "Briefly unavailable." });
  const at = (s: ChatSyncState, now: number) => retriesDue(s, now).map((o) => o.clientMsgId);

  it("an 'unavailable' keeps the message Sending… and schedules the same clientMsgId again, 0.5 s, 1 s, 2 s… apart", () => {
    let s = run("staff", joined([msg(1)]), send, { type: "sent", clientMsgIds: [mine.clientMsgId], now: T0 });
    let now = T0;
    for (const delay of [500, 1_000, 2_000, 4_000, 8_000, 16_000]) {
      s = chatSync(s, { type: "frame", frame: unavailable(), now });
      expect(tickOf(s, s.messages.at(-1)!)).toBe("pending");
      expect(nextRetryAt(s)).toBe(now + delay);
      expect(at(s, now + delay - 1)).toEqual([]);
      expect(at(s, now + delay)).toEqual([mine.clientMsgId]);
      // Waiting for its retry, it can't expire into "failed".
      expect(chatSync(s, { type: "expire", now: now + ACK_TIMEOUT_MS * 10 })).toBe(s);
      now += delay;
      s = chatSync(s, { type: "sent", clientMsgIds: [mine.clientMsgId], now });
      expect(nextRetryAt(s)).toBeNull();
      expect(sendFrame(CONV, s.outbox[0])).toMatchObject({ type: "send", clientMsgId: mine.clientMsgId, ref: mine.clientMsgId, body: "hello" });
    }
    s = chatSync(s, { type: "frame", frame: ack(mine, 1), now });
    expect(ids(s)).toEqual([1, 2]);
    expect(s.outbox).toEqual([]);
  });

  it("still unavailable after ~30 s of retries: Not sent, and a manual Retry starts the pauses over", () => {
    let s = run("staff", joined([msg(1)]), send, { type: "sent", clientMsgIds: [mine.clientMsgId], now: T0 });
    let now = T0;
    for (let i = 1; i <= MAX_AUTO_RETRIES; i++) {
      s = chatSync(s, { type: "frame", frame: unavailable(), now });
      now = nextRetryAt(s)!;
      s = chatSync(s, { type: "sent", clientMsgIds: [mine.clientMsgId], now });
    }
    expect(now - T0).toBeGreaterThanOrEqual(30_000);
    s = chatSync(s, { type: "frame", frame: unavailable(), now });
    expect(ids(s)).toEqual([1, `failed:${mine.clientMsgId}`]);
    expect(s.outbox).toEqual([]);
    s = chatSync(s, { type: "retry", clientMsgId: mine.clientMsgId });
    s = chatSync(s, { type: "sent", clientMsgIds: [mine.clientMsgId], now });
    s = chatSync(s, { type: "frame", frame: unavailable(), now });
    expect(nextRetryAt(s)).toBe(now + RETRY_BASE_MS);
  });

  it("a reconnect sends a waiting retry with the rejoin, without waiting out its pause", () => {
    let s = run("visitor", joined([]), { ...send, outgoing: { clientMsgId: "v-retry-aaaaaa", body: "hi" } });
    s = chatSync(s, { type: "sent", clientMsgIds: ["v-retry-aaaaaa"], now: T0 });
    s = chatSync(s, { type: "frame", frame: unavailable("v-retry-aaaaaa"), now: T0 });
    s = chatSync(s, { type: "frame", frame: unavailable("v-retry-aaaaaa"), now: T0 });
    expect(nextRetryAt(s)).toBe(T0 + 1_000);
    s = chatSync(s, { type: "disconnected" });
    s = chatSync(s, { type: "opened", now: T0 + 100 });
    // The rejoin flushes the whole outbox: nothing is left scheduled, and the ack timeout runs from the reopen.
    expect(nextRetryAt(s)).toBeNull();
    expect(s.outbox).toMatchObject([{ clientMsgId: "v-retry-aaaaaa", sentAt: T0 + 100, attempts: 2 }]);
    expect(s.messages[0].local).toBe("pending");
  });

  it("other errors still fail the send at once; an 'unavailable' about something else is ignored", () => {
    let s = run("staff", joined([msg(1)]), send);
    expect(chatSync(s, { type: "frame", frame: unavailable("someone-else"), now: T0 })).toBe(s);
    s = chatSync(s, { type: "frame", frame: { type: "error", ref: mine.clientMsgId, code: "internal", message: "Something went wrong." }, now: T0 });
    expect(s.messages.at(-1)?.local).toBe("failed");
  });

  it("retryDelayMs doubles from 0.5 s and stops after six", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(retryDelayMs)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, null]);
    expect(RETRYABLE_CODE).toBe("unavailable");
  });
});

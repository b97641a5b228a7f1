import { describe, expect, it } from "vitest";
import type { ConversationDTO, MessageDTO } from "@/lib/realtime/protocol";
import { applyQaConversation, asItem, initialQaList, matchesQaFilter, qaListKey, qaListReducer, type QaFilter, type QaListState } from "../qa-list-state";

const t = (min: number) => new Date(Date.UTC(2025, 0, 1, 12, min)).toISOString();
const ALL: QaFilter = { agent: "", status: "" };

function conv(id: number, min: number, over: Partial<ConversationDTO> = {}): ConversationDTO {
  return {
    id,
    projectId: 1,
    status: "active",
    assigneeId: 7,
    assigneeName: "Arlo",
    assignedToAi: false,
    leadStage: "new",
    visitor: { id: id * 10, name: `Visitor ${id}`, phone: "+447700900000", email: "v@example.test" },
    lastMessageAt: t(min),
    lastMessagePreview: "hi",
    staffUnread: 0,
    createdAt: t(0),
    closedAt: null,
    ...over,
  };
}

function ready(filter: QaFilter, items: ConversationDTO[], nextCursor: string | null = null): QaListState {
  const key = qaListKey(filter);
  return qaListReducer(initialQaList(key), { type: "page", key, items: items.map(asItem), nextCursor, append: false });
}
const ids = (s: QaListState) => s.items.map((i) => i.id);

describe("matchesQaFilter", () => {
  it("is the server's rule: agent id, the AI, status, or all", () => {
    const ai = conv(1, 1, { assigneeId: null, assigneeName: null, assignedToAi: true });
    expect(matchesQaFilter(ai, { agent: "ai", status: "" })).toBe(true);
    expect(matchesQaFilter(conv(2, 1), { agent: "ai", status: "" })).toBe(false);
    expect(matchesQaFilter(conv(2, 1), { agent: "7", status: "active" })).toBe(true);
    expect(matchesQaFilter(conv(2, 1), { agent: "8", status: "" })).toBe(false);
    expect(matchesQaFilter(conv(2, 1, { status: "closed" }), { agent: "", status: "active" })).toBe(false);
    expect(matchesQaFilter(conv(2, 1, { status: "queued", assigneeId: null }), ALL)).toBe(true);
  });
});

describe("qaListReducer", () => {
  it("puts a new chat on top, moves a chat whose state changed out of a filter it no longer matches, and re-sorts", () => {
    const f: QaFilter = { agent: "", status: "active" };
    let s = ready(f, [conv(2, 5), conv(1, 4)]);
    s = qaListReducer(s, { type: "conversation", conversation: conv(3, 9), filter: f });
    expect(ids(s)).toEqual([3, 2, 1]);
    s = qaListReducer(s, { type: "conversation", conversation: conv(2, 5, { status: "closed" }), filter: f });
    expect(ids(s)).toEqual([3, 1]);
    s = qaListReducer(s, { type: "conversation", conversation: conv(1, 12), filter: f });
    expect(ids(s)).toEqual([1, 3]);
  });

  it("updates a row's preview and order from a message frame, and leaves other chats alone", () => {
    let s = ready(ALL, [conv(2, 5), conv(1, 4)]);
    const m = { id: 99, conversationId: 1, senderKind: "visitor", body: "new question", createdAt: t(20) } as MessageDTO;
    s = qaListReducer(s, { type: "message", message: m, countUnread: false });
    expect(s.items[0]).toMatchObject({ id: 1, lastMessagePreview: "new question", lastMessageAt: t(20), staffUnread: 0 });
    const other = { ...m, id: 100, conversationId: 42 } as MessageDTO;
    expect(qaListReducer(s, { type: "message", message: other, countUnread: false }).items).toBe(s.items);
  });

  it("doesn't insert a chat below the loaded rows of a paged list (paging brings it), and applies frames that came while loading", () => {
    const paged = ready(ALL, [conv(2, 5), conv(1, 4)], "cursor");
    expect(applyQaConversation(paged.items, conv(3, 1), ALL, true)).toBe(paged.items);
    const key = qaListKey(ALL);
    let s = qaListReducer(initialQaList(key), { type: "conversation", conversation: conv(5, 30), filter: ALL });
    s = qaListReducer(s, { type: "page", key, items: [asItem(conv(2, 5))], nextCursor: null, append: false });
    expect(ids(s)).toEqual([5, 2]);
    expect(s.qaPending).toEqual([]);
    // A page for another filter (the user changed it meanwhile) is dropped.
    const stale = qaListReducer(s, { type: "page", key: qaListKey({ agent: "ai", status: "" }), items: [], nextCursor: null, append: false });
    expect(stale).toBe(s);
  });
});

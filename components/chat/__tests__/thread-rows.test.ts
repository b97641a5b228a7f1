import { describe, expect, it } from "vitest";
import type { ThreadMessage } from "../chat-sync";
import { buildRows, dayLabel, initials, localDay, updateRows } from "../thread-rows";

let n = 0;
function msg(over: Partial<ThreadMessage> & { createdAt: string }): ThreadMessage {
  n++;
  return {
    id: n,
    conversationId: 1,
    senderKind: "visitor",
    senderId: null,
    senderName: null,
    body: `m${n}`,
    clientMsgId: `c${n}`,
    replyTo: null,
    attachment: null,
    deliveredAt: null,
    readAt: null,
    ...over,
  };
}

describe("buildRows", () => {
  it("puts a date separator above the first message of each local day", () => {
    const rows = buildRows([
      msg({ createdAt: new Date(2026, 0, 10, 9, 0).toISOString() }),
      msg({ createdAt: new Date(2026, 0, 10, 23, 59).toISOString() }),
      msg({ createdAt: new Date(2026, 0, 11, 0, 1).toISOString() }),
      msg({ createdAt: new Date(2026, 0, 14, 12, 0).toISOString() }),
    ]);
    expect(rows.map((r) => r.newDay)).toEqual([true, false, true, true]);
  });

  it("starts a run when the sender changes (another staff member counts), a day starts, or after a system line", () => {
    const t = new Date(2026, 0, 10, 9, 0).toISOString();
    const rows = buildRows([
      msg({ createdAt: t, senderKind: "agent", senderId: 7 }),
      msg({ createdAt: t, senderKind: "agent", senderId: 7 }),
      msg({ createdAt: t, senderKind: "agent", senderId: 8 }),
      msg({ createdAt: t, senderKind: "system" }),
      msg({ createdAt: t, senderKind: "agent", senderId: 8 }),
      msg({ createdAt: t, senderKind: "visitor" }),
      msg({ createdAt: t, senderKind: "visitor" }),
    ]);
    expect(rows.map((r) => r.firstOfRun)).toEqual([true, false, true, true, true, true, false]);
  });

  it("keys a message by its clientMsgId, so a pending send keeps its row when it is stored", () => {
    const m = msg({ createdAt: new Date().toISOString() });
    expect(buildRows([m])[0].key).toBe(buildRows([{ ...m, id: 999, local: undefined }])[0].key);
  });
});

describe("dayLabel", () => {
  const today = localDay(new Date(2026, 2, 15, 10, 0));
  it("says Today and Yesterday, else the date (with the year only when it differs)", () => {
    expect(dayLabel(today, today)).toBe("Today");
    expect(dayLabel(today - 1, today)).toBe("Yesterday");
    expect(dayLabel(localDay(new Date(2026, 2, 10)), today, "en-GB")).toMatch(/^Tue,? 10 Mar$/);
    expect(dayLabel(localDay(new Date(2025, 11, 31)), today, "en-GB")).toMatch(/^Wed,? 31 Dec 2025$/);
  });
});

describe("initials", () => {
  it("takes the first and last word's first letters", () => {
    expect(initials("Arlo Agent")).toBe("AA");
    expect(initials("mia")).toBe("M");
    expect(initials("  Jean  Paul Sartre ")).toBe("JS");
    expect(initials("")).toBe("?");
  });
});

describe("updateRows", () => {
  const day = (d: number, h = 9) => new Date(2026, 0, d, h).toISOString();
  it("equals buildRows after a prepend, an append and an edit, reusing the untouched rows", () => {
    const base = [msg({ createdAt: day(10) }), msg({ createdAt: day(11) }), msg({ createdAt: day(11, 10), senderKind: "admin", senderId: 1 })];
    const rows = buildRows(base);
    const older = [msg({ createdAt: day(9) }), msg({ createdAt: day(10, 8) })];
    const prepended = [...older, ...base];
    const r1 = updateRows({ messages: base, rows }, prepended);
    expect(r1).toEqual(buildRows(prepended));
    expect(r1[3]).toBe(rows[1]);
    expect(r1[2]).not.toBe(rows[0]); // its predecessor changed: same day now, no separator
    expect(r1[2].newDay).toBe(false);

    const appended = [...prepended, msg({ createdAt: day(11, 11), senderKind: "admin", senderId: 1 })];
    const r2 = updateRows({ messages: prepended, rows: r1 }, appended);
    expect(r2).toEqual(buildRows(appended));
    expect(r2.at(-1)!.firstOfRun).toBe(false);

    const edited = appended.map((m, i) => (i === 3 ? { ...m, readAt: day(12) } : m));
    expect(updateRows({ messages: appended, rows: r2 }, edited)).toEqual(buildRows(edited));
    expect(updateRows({ messages: edited, rows: buildRows(edited) }, edited.slice(2))).toEqual(buildRows(edited.slice(2)));
  });
});

describe("history across chats", () => {
  it("marks the first message of each later chat, and starts a new sender run there", () => {
    const t = new Date(2026, 0, 10, 9, 0).toISOString();
    const rows = buildRows([
      msg({ createdAt: t, conversationId: 7 }),
      msg({ createdAt: t, conversationId: 7 }),
      msg({ createdAt: t, conversationId: 9 }),
      msg({ createdAt: t, conversationId: 9 }),
    ]);
    expect(rows.map((r) => r.newConversation)).toEqual([false, false, true, false]);
    expect(rows.map((r) => r.firstOfRun)).toEqual([true, false, true, false]);
  });
});

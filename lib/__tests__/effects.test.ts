import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "../../db/client";
import { conversations } from "../../db/schema";
import { createTestDb } from "../../db/testing";
import { createConversation, createStaff, staffCtxFor, visitorCtxFor } from "../../tests/factories";
import { withTransaction } from "../ctx";
import { closeConversation } from "../chat/close-conversation";
import { sendMessage } from "../chat/send-message";
import { applyEffects } from "../effects";
import { isAppError } from "../errors";
import type { Backplane, Envelope } from "../realtime/backplane";
import { Hub, setHub } from "../realtime/hub";
import { room } from "../realtime/protocol";
import { setStaffConnections } from "../routing/presence";
import { effects } from "../verb";

/**
 * The effects layer against the real Hub: a backplane that records every
 * envelope shows what was published, how often, and when.
 */
let h: DbHandle;
let hub: Hub;
const sent: Envelope[] = [];

function recordingBackplane(): Backplane {
  let handler: (e: Envelope) => void = () => {};
  return {
    publish(e) {
      sent.push(e);
      handler(e);
    },
    onMessage(fn) {
      handler = fn;
    },
    async close() {},
  };
}

type Published = { kind: string; rooms: string[]; frame: Record<string, any> };
const frames = (): Published[] =>
  sent.flatMap((e): Published[] =>
    e.kind === "rooms" ? [{ kind: e.kind, rooms: e.rooms, frame: JSON.parse(e.data) }] : e.kind === "room" ? [{ kind: e.kind, rooms: [e.room], frame: JSON.parse(e.data) }] : [],
  );

beforeAll(async () => {
  h = await createTestDb();
  hub = new Hub({ authenticate: async () => null, dispatch: () => {}, clientIp: () => "", backplane: recordingBackplane() });
  setHub(hub);
});
afterAll(async () => {
  await hub.close();
  setHub(undefined);
  await h?.close();
});
beforeEach(() => {
  sent.length = 0;
});

describe("verbs return their effects and publish nothing themselves", () => {
  it("close: the chat's new state and a drain — published only by applyEffects, once", async () => {
    const agent = await createStaff(h.db);
    const { conversation } = await createConversation(h.db, { status: "active", assigneeId: agent.id });
    const ctx = staffCtxFor(h.db, agent);
    const { result, effects: fx } = await closeConversation({ ctx, input: { conversationId: conversation.id } });
    expect(result).toEqual({ changed: true, conversationId: conversation.id });
    expect(fx).toEqual(effects({ conversations: [{ id: conversation.id, previousAssigneeId: agent.id }], drain: true }));
    expect(sent).toEqual([]);

    await applyEffects(ctx, fx);
    const f = frames();
    const staffFrames = f.filter((x) => x.frame.type === "conversation");
    expect(staffFrames).toHaveLength(1);
    expect(staffFrames[0].frame.conversation).toMatchObject({ id: conversation.id, status: "closed" });
    expect(staffFrames[0].rooms).toEqual(expect.arrayContaining([room.conversation(conversation.id), room.inboxAll, room.staff(agent.id)]));
    // The visitor hears only the visitor view.
    const visitorFrames = f.filter((x) => x.frame.type === "chat");
    expect(visitorFrames.filter((x) => x.frame.chat.id === conversation.id)).toEqual([
      {
        kind: "room",
        rooms: [room.conversationVisitor(conversation.id)],
        frame: { type: "chat", chat: { id: conversation.id, status: "closed", agentName: agent.displayName, queuePosition: null, nobodyAvailable: false, previousConversationId: null } },
      },
    ]);
  });

  it("send: the message once; a retried client id changes nothing and publishes nothing", async () => {
    const agent = await createStaff(h.db);
    const { conversation, visitor } = await createConversation(h.db, { status: "active", assigneeId: agent.id });
    const ctx = visitorCtxFor(h.db, visitor);
    const input = { conversationId: conversation.id, clientMsgId: "effects-test-1", body: "hello" };
    const first = await sendMessage({ ctx, input });
    expect(first.effects.messages).toEqual([{ message: first.result.message, assigneeId: agent.id }]);
    await applyEffects(ctx, first.effects, { exceptConn: "sender" });
    const published = frames().filter((x) => x.frame.type === "message");
    expect(published).toHaveLength(1);
    expect(sent.every((e) => !("exceptConn" in e) || e.exceptConn === "sender" || e.exceptConn === undefined)).toBe(true);

    sent.length = 0;
    const again = await sendMessage({ ctx, input });
    expect(again.result.duplicate).toBe(true);
    expect(again.effects).toEqual(effects());
    await applyEffects(ctx, again.effects);
    expect(sent).toEqual([]);
  });

  it("typing skips its sender; receipts and moved reach the sender's socket too", async () => {
    const agent = await createStaff(h.db);
    const ctx = staffCtxFor(h.db, agent);
    await applyEffects(
      ctx,
      effects({
        chatFrames: [
          { type: "typing", conversationId: 1, who: "staff", on: true },
          { type: "receipt", conversationId: 1, side: "visitor", kind: "read", upToId: 5 },
          { type: "moved", fromConversationId: 1, toConversationId: 2 },
        ],
      }),
      { exceptConn: "sender" },
    );
    expect(sent.map((e) => [JSON.parse((e as { data: string }).data).type, (e as { exceptConn?: string }).exceptConn])).toEqual([
      ["typing", "sender"],
      ["receipt", undefined],
      ["moved", undefined],
    ]);
  });

  it("a drain asked for by one verb hands out the queue and publishes each assignment", async () => {
    const agent = await createStaff(h.db, { activeChatLimit: 1 });
    const now = new Date();
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "effects-test", connections: 1, now });
    const { conversation: busy } = await createConversation(h.db, { status: "active", assigneeId: agent.id });
    const { conversation: waiting } = await createConversation(h.db, { status: "queued" });
    await h.db.update(conversations).set({ visitorOfflineSince: null, queuedAt: new Date(now.getTime() - 60_000) }).where(eq(conversations.id, waiting.id));

    const ctx = staffCtxFor(h.db, agent, now);
    const { effects: fx } = await closeConversation({ ctx, input: { conversationId: busy.id } });
    const [before] = await h.db.select().from(conversations).where(eq(conversations.id, waiting.id));
    expect(before.status).toBe("queued");
    await applyEffects(ctx, fx);
    const [after] = await h.db.select().from(conversations).where(eq(conversations.id, waiting.id));
    expect(after).toMatchObject({ status: "active", assigneeId: agent.id });
    const assigned = frames().filter((x) => x.frame.type === "conversation" && x.frame.conversation.id === waiting.id);
    expect(assigned).toHaveLength(1);
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "effects-test", connections: 0, now });
  });

  it("sign-outs and rights changes go out once per user, on every instance's channel", async () => {
    await applyEffects(staffCtxFor(h.db, await createStaff(h.db)), effects({ signOut: [7, 7], reauthorize: [8, 8, 9] }));
    expect(sent).toEqual([
      { kind: "reauth", userId: 8 },
      { kind: "reauth", userId: 9 },
      { kind: "kick", userId: 7, code: 4001, reason: "signed out" },
    ]);
  });
});

describe("queue notices", () => {
  it("a chat leaving the queue tells the visitors behind it their new place; a read receipt tells them nothing", async () => {
    await h.db.update(conversations).set({ status: "closed" }).where(eq(conversations.status, "queued"));
    const agent = await createStaff(h.db);
    const now = new Date();
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "effects-queue", connections: 1, now });
    const { conversation: first } = await createConversation(h.db, { status: "queued" });
    const { conversation: second } = await createConversation(h.db, { status: "queued" });
    await h.db.update(conversations).set({ queuedAt: new Date(now.getTime() - 2_000) }).where(eq(conversations.id, first.id));
    await h.db.update(conversations).set({ queuedAt: new Date(now.getTime() - 1_000) }).where(eq(conversations.id, second.id));

    // A receipt on some other chat is hot-path traffic: no queue notices.
    const { conversation: open, visitor } = await createConversation(h.db, { status: "active", assigneeId: agent.id });
    const sent1 = await sendMessage({ ctx: visitorCtxFor(h.db, visitor), input: { conversationId: open.id, clientMsgId: "queue-notice-1", body: "hi" } });
    const { markReceipt } = await import("../chat/receipts");
    const receipt = await markReceipt({ ctx: staffCtxFor(h.db, agent), input: { conversationId: open.id, upToId: sent1.result.message.id, kind: "read" } });
    sent.length = 0;
    await applyEffects(staffCtxFor(h.db, agent), receipt.effects);
    expect(frames().filter((x) => x.frame.type === "chat" && [first.id, second.id].includes(x.frame.chat.id))).toEqual([]);

    // The agent picks the first waiting chat: the second one's visitor is told they're next.
    const { pickConversation } = await import("../routing");
    const picked = await pickConversation({ ctx: staffCtxFor(h.db, agent, now), input: { conversationId: first.id } });
    sent.length = 0;
    await applyEffects(staffCtxFor(h.db, agent, now), picked.effects);
    const notice = frames().filter((x) => x.frame.type === "chat" && x.frame.chat.id === second.id);
    expect(notice).toHaveLength(1);
    expect(notice[0].frame.chat).toMatchObject({ status: "queued", queuePosition: 1 });
    await setStaffConnections(h.db, { userId: agent.id, instanceId: "effects-queue", connections: 0, now });
  });
});

describe("applyEffects never runs inside a transaction", () => {
  it("refuses, and nothing is published", async () => {
    const agent = await createStaff(h.db);
    const { conversation } = await createConversation(h.db, { status: "active", assigneeId: agent.id });
    const err = await withTransaction(staffCtxFor(h.db, agent), async (tx) => {
      const { effects: fx } = await closeConversation({ ctx: tx, input: { conversationId: conversation.id } });
      await applyEffects(tx, fx);
    }).catch((e) => e);
    expect(isAppError(err) && err.code).toBe("internal");
    expect(sent).toEqual([]);
    // …and the change itself rolled back with the failed transaction.
    const [row] = await h.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(row.status).toBe("active");
  });
});

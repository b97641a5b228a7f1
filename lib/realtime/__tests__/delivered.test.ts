import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversation, createProject, createStaff } from "../../../tests/factories";
import { wsHarness } from "../../../tests/ws-harness";

/**
 * Grey ✓✓ means the recipient's connection received the message, whether or
 * not that chat is open: an agent's console gets its chats' messages in its
 * inbox room and acknowledges them from there. Green ✓✓ still needs the chat open.
 */
const ws = wsHarness();
beforeAll(() => ws.start());
afterAll(() => ws.stop());

describe("delivered receipts", () => {
  it("the assignee's console marks a visitor message delivered without having joined the chat; read needs the join", async () => {
    const project = await createProject(ws.state.h.db);
    const agent = await createStaff(ws.state.h.db);
    const { conversation, visitor } = await createConversation(ws.state.h.db, { projectId: project.id, status: "active", assigneeId: agent.id });
    const console_ = await ws.staffClient(agent);
    const v = await ws.visitorClient(visitor, project.slug);
    await ws.join(v, conversation.id);
    v.send({ type: "send", ref: "m1", conversationId: conversation.id, clientMsgId: "delivered-test-1", body: "hi" });
    const ack = await v.next((f) => f.ref === "m1");
    const id = (ack.message as { id: number }).id;
    // Not joined: the message reaches the console through its inbox room.
    expect(await console_.next("message")).toMatchObject({ message: { id } });

    console_.send({ type: "read", conversationId: conversation.id, upToId: id });
    console_.send({ type: "delivered", conversationId: conversation.id, upToId: id });
    expect(await v.next("receipt")).toEqual({ type: "receipt", conversationId: conversation.id, side: "visitor", kind: "delivered", upToId: id });
    await v.sync();
    // The read frame from a console that hasn't opened the chat changed nothing.
    expect(v.frames.filter((f) => f.type === "receipt" && f.kind === "read")).toEqual([]);
  });

  it("a console that isn't the assignee can't mark anything delivered", async () => {
    const project = await createProject(ws.state.h.db);
    const owner = await createStaff(ws.state.h.db);
    const other = await createStaff(ws.state.h.db);
    const { conversation, visitor } = await createConversation(ws.state.h.db, { projectId: project.id, status: "active", assigneeId: owner.id });
    const v = await ws.visitorClient(visitor, project.slug);
    await ws.join(v, conversation.id);
    v.send({ type: "send", ref: "m2", conversationId: conversation.id, clientMsgId: "delivered-test-2", body: "hello" });
    const id = ((await v.next((f) => f.ref === "m2")).message as { id: number }).id;
    const c = await ws.staffClient(other);
    c.send({ type: "delivered", conversationId: conversation.id, upToId: id });
    await c.sync();
    await v.sync();
    expect(v.frames.filter((f) => f.type === "receipt")).toEqual([]);
  });
});

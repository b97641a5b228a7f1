import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messages } from "../../../db/schema";
import { createConversation, createProject, createStaff } from "../../../tests/factories";
import { wsHarness } from "../../../tests/ws-harness";
import { RATE_LIMITS } from "../../security/rate-limits";

/** One flooding socket is slowed down on its own: its excess frames are dropped, the socket and everyone else carry on. */
const ws = wsHarness();
beforeAll(() => ws.start());
afterAll(() => ws.stop());

describe("frame limits", () => {
  it("a visitor sending flat out gets exactly the limit stored, one error frame, and keeps the socket; another visitor is unaffected", async () => {
    const db = ws.state.h.db;
    const project = await createProject(db);
    const agent = await createStaff(db);
    const flood = await createConversation(db, { projectId: project.id, status: "active", assigneeId: agent.id });
    const calm = await createConversation(db, { projectId: project.id, status: "active", assigneeId: agent.id });
    const v = await ws.visitorClient(flood.visitor, project.slug);
    const w = await ws.visitorClient(calm.visitor, project.slug);
    await ws.join(v, flood.conversation.id);
    await ws.join(w, calm.conversation.id);

    const total = RATE_LIMITS.wsSend.points + 40;
    for (let i = 0; i < total; i++) {
      v.send({ type: "send", ref: `f${i}`, conversationId: flood.conversation.id, clientMsgId: `flood-msg-${i}`, body: `m${i}` });
    }
    for (let i = 0; i < 50; i++) v.send({ type: "typing", conversationId: flood.conversation.id, on: true });
    await v.sync();
    // Acks arrive after their commits: wait until every allowed send is acked.
    await expect.poll(() => v.frames.filter((f) => f.type === "ack").length).toBe(RATE_LIMITS.wsSend.points);
    const errors = v.frames.filter((f) => f.type === "error");
    expect(errors.map((e) => e.code)).toEqual(["rate_limited", "rate_limited"]);
    expect(v.ws.readyState).toBe(v.ws.OPEN);
    const stored = await db.select().from(messages).where(eq(messages.conversationId, flood.conversation.id));
    expect(stored).toHaveLength(RATE_LIMITS.wsSend.points);

    w.send({ type: "send", ref: "calm", conversationId: calm.conversation.id, clientMsgId: "calm-msg-1", body: "hello" });
    expect((await w.next((f) => f.ref === "calm")).type).toBe("ack");

    // Once a limit is known spent, that kind's frames are dropped unread (not even validated: a
    // malformed one gets no error either), while other kinds are still served.
    const before = v.frames.length;
    v.send({ type: "send", ref: "malformed", conversationId: "not a number" });
    v.send({ type: "ping", ref: "still-served" });
    expect((await v.next((f) => f.ref === "still-served")).type).toBe("pong");
    expect(v.frames.slice(before).map((f) => f.type)).toEqual(["pong"]);
    // Before its limit, the same malformed frame is answered.
    w.send({ type: "send", ref: "malformed", conversationId: "not a number" });
    expect((await w.next((f) => f.ref === "malformed")).code).toBe("validation");
  });
});

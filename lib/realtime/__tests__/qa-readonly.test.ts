import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversations, messages, staffPresence } from "../../../db/schema";
import { createConversation, createProject, createStaff, isolateRouting } from "../../../tests/factories";
import { wsHarness } from "../../../tests/ws-harness";
import type { Frame } from "../../../tests/ws-client";

/**
 * The QA console watches and never writes, over the socket: every frame that
 * writes into a chat (a message, a typing pill, a delivered or read receipt)
 * from a QA socket is refused with an error frame — joined or not — changes
 * nothing in the database and reaches nobody. The assigned agent's same
 * frames do land (so the refused frames are well-formed), and a watching QA
 * counts as nobody's presence.
 */

// Joins and sends below stay well inside the limits; the harness reads this when it starts.
process.env.RATE_LIMIT_FACTOR = "100";
const harness = wsHarness();
let n = 0;
const cmid = () => `qa-readonly-${++n}-${Date.now().toString(36)}`;

beforeAll(() => harness.start());
afterAll(() => harness.stop());

type Client = Awaited<ReturnType<typeof harness.staffClient>>;

async function say(c: Client, conversationId: number, body: string) {
  const id = cmid();
  c.send({ type: "send", ref: id, conversationId, clientMsgId: id, body });
  const ack = await c.next((f) => (f.type === "ack" || f.type === "error") && f.ref === id);
  expect(ack.type, JSON.stringify(ack)).toBe("ack");
  return ack.message as { id: number };
}

const about = (frames: Frame[], conversationId: number, types: string[]) =>
  frames.filter((f) => types.includes(f.type) && (f.conversationId === conversationId || (f.message as { conversationId?: number } | undefined)?.conversationId === conversationId));

async function conversationRow(id: number) {
  const [c] = await harness.state.h.db.select().from(conversations).where(eq(conversations.id, id));
  return c;
}

async function setup() {
  const db = harness.state.h.db;
  const project = await createProject(db);
  const agent = await createStaff(db, { role: "agent", activeChatLimit: 10, offlineChatLimit: 10 });
  const qa = await createStaff(db, { role: "qa" });
  const { visitor, conversation } = await createConversation(db, { projectId: project.id, status: "active", assigneeId: agent.id });
  return { project, agent, qa, visitor, conversation };
}

describe("a QA socket", () => {
  it("joins any chat and hears it, but its send, typing, delivered and read are refused, stored nowhere and relayed to no one", async () => {
    const { project, agent, qa, visitor, conversation } = await setup();
    const db = harness.state.h.db;
    const id = conversation.id;
    const v = await harness.visitorClient(visitor, project.slug);
    const a = await harness.staffClient(agent);
    const q = await harness.staffClient(qa);
    expect((await harness.join(v, id)).type).toBe("joined");
    expect((await harness.join(a, id)).type).toBe("joined");
    expect(await harness.join(q, id)).toMatchObject({ type: "joined", conversationId: id });

    const m = await say(v, id, "Is anyone there?");
    await q.next((f) => f.type === "message" && (f.message as { id: number }).id === m.id);
    const before = await conversationRow(id);

    const ref = cmid();
    q.send({ type: "send", ref, conversationId: id, clientMsgId: ref, body: "QA speaking" });
    expect(await q.next((f) => f.ref === ref)).toMatchObject({ type: "error", code: "forbidden" });
    for (const frame of [
      { type: "typing", conversationId: id, on: true },
      { type: "delivered", conversationId: id, upToId: m.id },
      { type: "read", conversationId: id, upToId: m.id },
    ]) {
      q.send(frame);
      expect(await q.next((f) => f.type === "error" && f.ref === undefined), frame.type).toMatchObject({ code: "forbidden" });
    }

    // Whatever those frames had published would be on the visitor's and agent's sockets before their pongs.
    await v.sync();
    await a.sync();
    expect(about(v.frames, id, ["typing", "receipt"])).toEqual([]);
    expect(about(a.frames, id, ["typing", "receipt"])).toEqual([]);
    expect(JSON.stringify([...v.frames, ...a.frames])).not.toContain("QA speaking");
    const rows = await db.select().from(messages).where(eq(messages.conversationId, id));
    expect(rows.map((r) => [r.body, r.deliveredAt, r.readAt])).toEqual([["Is anyone there?", null, null]]);
    // The visitor's ticks stay grey: no watermark moved, the agent's unread count is untouched.
    expect(await conversationRow(id)).toEqual(before);

    // The same receipt from the agent who owns the chat lands: the refused frames were well-formed.
    a.send({ type: "read", conversationId: id, upToId: m.id });
    expect(await v.next((f) => f.type === "receipt" && f.conversationId === id)).toMatchObject({ side: "visitor", kind: "read", upToId: m.id });
    expect((await conversationRow(id)).visitorMsgsReadUpTo).toBe(m.id);
  });

  it("is refused the same in a chat it never joined, and frames the protocol doesn't have (close, assign, stage) are rejected", async () => {
    const { qa, conversation } = await setup();
    const id = conversation.id;
    const q = await harness.staffClient(qa);
    const before = await conversationRow(id);
    const ref = cmid();
    q.send({ type: "send", ref, conversationId: id, clientMsgId: ref, body: "not joined" });
    expect(await q.next((f) => f.ref === ref)).toMatchObject({ type: "error", code: "forbidden" });
    q.send({ type: "typing", conversationId: id, on: true });
    expect(await q.next((f) => f.type === "error" && f.ref === undefined)).toMatchObject({ code: "forbidden" });
    for (const type of ["close", "assign", "stage", "block"]) {
      q.send({ type, ref: `x-${type}`, conversationId: id, agentId: 1, stage: "converted" });
      expect(await q.next((f) => f.ref === `x-${type}`), type).toMatchObject({ type: "error", code: "validation" });
    }
    expect(await conversationRow(id)).toEqual(before);
    expect(await harness.state.h.db.select().from(messages).where(eq(messages.conversationId, id))).toEqual([]);
  });

  it("counts as nobody's presence: a queued chat's visitor still hears that nobody is available, and the agent stays offline", async () => {
    const db = harness.state.h.db;
    // The earlier tests' agents are still connected: out of routing, so "available" is about this test's people only.
    await isolateRouting(db);
    const project = await createProject(db);
    const agent = await createStaff(db, { role: "agent" });
    const qa = await createStaff(db, { role: "qa" });
    const { visitor, conversation } = await createConversation(db, { projectId: project.id, status: "queued" });
    const q = await harness.staffClient(qa);
    await harness.presenceWritten(qa.id);
    expect((await harness.join(q, conversation.id)).type).toBe("joined");

    const v = await harness.visitorClient(visitor, project.slug);
    const joined = await harness.join(v, conversation.id);
    expect(joined).toMatchObject({ type: "joined", conversation: { status: "queued", nobodyAvailable: true } });
    expect(await db.select().from(staffPresence).where(eq(staffPresence.userId, agent.id))).toEqual([]);
    expect((await conversationRow(conversation.id)).status).toBe("queued");
  });
});

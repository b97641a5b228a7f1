import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { chatSync, initChatSync, nextRetryAt, retriesDue, sendFrame, type ChatSyncState } from "../../../components/chat/chat-sync";
import { messages } from "../../../db/schema";
import { createConversation, createProject, createStaff } from "../../../tests/factories";
import { wsHarness } from "../../../tests/ws-harness";
import type { ServerMessage } from "../protocol";

/**
 * A brief database outage loses nothing and duplicates nothing: a send whose
 * transaction fails on the database is answered `unavailable`, the client's
 * outbox (the real chat-sync reducer) sends it again with the same clientMsgId
 * after its pause, and exactly one message is stored and shown to the agent.
 *
 * The failure is real, injected once by a trigger on `messages` (a sequence
 * counts its calls: nextval survives the rollback): a serialisation failure
 * on both databases, and, on PostgreSQL, the send's own backend terminated in
 * the middle of its INSERT (pg_terminate_backend(pg_backend_pid())).
 */
const ws = wsHarness();
beforeAll(() => ws.start());
afterAll(() => ws.stop());

const onPostgres = !!process.env.TEST_DATABASE_URL;

async function failNextInsert(action: string) {
  const db = ws.state.h.db;
  await db.execute(sql.raw("create sequence occ_test_fail_once"));
  await db.execute(
    sql.raw(`create function occ_test_fail_once() returns trigger language plpgsql as $$
      begin
        if nextval('occ_test_fail_once') = 1 then ${action}; end if;
        return new;
      end $$`),
  );
  await db.execute(sql.raw("create trigger occ_test_fail_once before insert on messages for each row execute function occ_test_fail_once()"));
}

afterEach(async () => {
  const db = ws.state.h.db;
  await db.execute(sql.raw("drop trigger if exists occ_test_fail_once on messages"));
  await db.execute(sql.raw("drop function if exists occ_test_fail_once()"));
  await db.execute(sql.raw("drop sequence if exists occ_test_fail_once"));
});

describe("a send that fails on the database", () => {
  it("a serialisation failure: retried with the same clientMsgId, stored and delivered exactly once", () =>
    retriedOnce("raise exception 'injected serialization failure' using errcode = '40001'"));

  it.skipIf(!onPostgres)("its connection killed mid-INSERT (PostgreSQL): retried with the same clientMsgId, stored and delivered exactly once", () =>
    retriedOnce("perform pg_terminate_backend(pg_backend_pid())"));

  async function retriedOnce(action: string) {
    const db = ws.state.h.db;
    const project = await createProject(db);
    const agent = await createStaff(db);
    const { conversation, visitor } = await createConversation(db, { projectId: project.id, status: "active", assigneeId: agent.id });
    const console_ = await ws.staffClient(agent);
    await ws.join(console_, conversation.id);
    const v = await ws.visitorClient(visitor, project.slug);

    // The visitor's tab: the real reducer decides what goes out and when.
    let s: ChatSyncState = initChatSync("visitor", conversation.id);
    const frame = (f: unknown) => (s = chatSync(s, { type: "frame", frame: f as ServerMessage, now: Date.now() }));
    frame(await ws.join(v, conversation.id));
    expect(s.live).toBe(true);

    await failNextInsert(action);
    const clientMsgId = `retry-${Math.random().toString(36).slice(2, 12)}`;
    s = chatSync(s, { type: "send", outgoing: { clientMsgId, body: "still there?" }, now: Date.now() });
    v.send(sendFrame(conversation.id, s.outbox[0]));
    s = chatSync(s, { type: "sent", clientMsgIds: [clientMsgId], now: Date.now() });

    const err = await v.next((f) => f.ref === clientMsgId);
    expect(err).toMatchObject({ type: "error", code: "unavailable" });
    frame(err);
    // Still "Sending…", with a retry scheduled.
    expect(s.messages.at(-1)?.local).toBe("pending");
    const at = nextRetryAt(s);
    expect(at).not.toBeNull();
    await new Promise((r) => setTimeout(r, Math.max(0, at! - Date.now())));
    const due = retriesDue(s, Date.now());
    expect(due.map((o) => o.clientMsgId)).toEqual([clientMsgId]);
    for (const o of due) v.send(sendFrame(conversation.id, o));
    s = chatSync(s, { type: "sent", clientMsgIds: due.map((o) => o.clientMsgId), now: Date.now() });

    const ack = await v.next((f) => f.ref === clientMsgId);
    expect(ack).toMatchObject({ type: "ack", clientMsgId });
    frame(ack);
    expect(s.outbox).toEqual([]);
    expect(s.messages.at(-1)).toMatchObject({ clientMsgId, body: "still there?" });
    expect(s.messages.at(-1)?.local).toBeUndefined();

    // The trigger ran for both attempts: the first failed for real, the second stored.
    const calls = (await db.execute(sql.raw("select last_value::int as n from occ_test_fail_once"))) as unknown as { rows: { n: number }[] };
    expect(calls.rows[0].n).toBe(2);
    const stored = await db.select().from(messages).where(and(eq(messages.conversationId, conversation.id), eq(messages.clientMsgId, clientMsgId)));
    expect(stored).toHaveLength(1);
    expect((ack.message as { id: number }).id).toBe(stored[0].id);

    // One more copy of the same send (an ack lost on the way): the same message back, nothing new.
    v.send(sendFrame(conversation.id, { clientMsgId, body: "still there?" }));
    expect(await v.next((f) => f.ref === clientMsgId)).toMatchObject({ type: "ack", message: { id: stored[0].id } });
    await console_.sync();
    expect(console_.frames.filter((f) => f.type === "message" && (f.message as { clientMsgId: string }).clientMsgId === clientMsgId)).toHaveLength(1);
    expect(await db.select().from(messages).where(eq(messages.clientMsgId, clientMsgId))).toHaveLength(1);
  }

  it("a failure that isn't the database's stays final (internal), and nothing is stored", async () => {
    const db = ws.state.h.db;
    const project = await createProject(db);
    const { conversation, visitor } = await createConversation(db, { projectId: project.id });
    const v = await ws.visitorClient(visitor, project.slug);
    await ws.join(v, conversation.id);
    // A bug-shaped failure (division by zero), not an outage.
    await failNextInsert("perform 1 / 0");
    v.send({ type: "send", ref: "final-1", conversationId: conversation.id, clientMsgId: "final-aaaaaaaa", body: "x" });
    expect(await v.next((f) => f.ref === "final-1")).toMatchObject({ type: "error", code: "internal" });
    expect(await db.select().from(messages).where(eq(messages.clientMsgId, "final-aaaaaaaa"))).toHaveLength(0);
  });
});

import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { conversations } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createConversation, createStaff, staffCtxFor } from "../../../tests/factories";
import { systemCtx } from "../../ctx";
import { isAppError } from "../../errors";
import { LIFECYCLE_EVENTS, nextStatus, STATUSES, transition, transitionMany, type Guard, type LifecycleEvent } from "../lifecycle";

/**
 * The lifecycle table, written out by hand from the map (ARCHITECTURE.md,
 * "Conversation lifecycle") — deliberately not derived from TRANSITIONS, so a
 * change to the rules has to be made in both places. Each cell: the state the
 * event leads to for each guard combination, or "-" where it doesn't apply.
 *   guards: P = visitor present, K = the owner may keep a parked chat
 */
type Cell = "-" | { "P K": string; "P -": string; "- K": string; "- -": string };
const same = (s: string): Cell => ({ "P K": s, "P -": s, "- K": s, "- -": s });
const byPresence: Cell = { "P K": "active", "P -": "active", "- K": "offline", "- -": "offline" };
const byPark: Cell = { "P K": "offline", "P -": "queued", "- K": "offline", "- -": "queued" };

const EXPECTED: Record<string, Record<LifecycleEvent, Cell>> = {
  queued: { assign: byPresence, reassign: "-", visitorReturned: "-", visitorGone: "-", agentGone: "-", close: same("closed") },
  active: { assign: "-", reassign: byPresence, visitorReturned: "-", visitorGone: byPark, agentGone: same("queued"), close: same("closed") },
  offline: { assign: "-", reassign: byPresence, visitorReturned: same("active"), visitorGone: "-", agentGone: same("queued"), close: same("closed") },
  // A closed chat never changes again: a visitor who writes starts a new chat.
  closed: { assign: "-", reassign: "-", visitorReturned: "-", visitorGone: "-", agentGone: "-", close: "-" },
};

const GUARDS: [keyof Exclude<Cell, "-">, Guard][] = [
  ["P K", { visitorPresent: true, canPark: true }],
  ["P -", { visitorPresent: true, canPark: false }],
  ["- K", { visitorPresent: false, canPark: true }],
  ["- -", { visitorPresent: false, canPark: false }],
];

describe("the lifecycle table", () => {
  it("covers every state and event", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...STATUSES].sort());
    for (const s of STATUSES) expect(Object.keys(EXPECTED[s]).sort()).toEqual([...LIFECYCLE_EVENTS].sort());
  });

  const cells = STATUSES.flatMap((from) => LIFECYCLE_EVENTS.flatMap((event) => GUARDS.map(([g, guard]) => [from, event, g, guard] as const)));
  it.each(cells)("%s × %s (%s)", (from, event, g, guard) => {
    const cell = EXPECTED[from][event];
    expect(nextStatus(from, event, guard)).toBe(cell === "-" ? null : cell[g]);
  });
});

let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

describe("transition", () => {
  it("writes the columns that go with the event, re-checking the expected row", async () => {
    const agent = await createStaff(h.db);
    const { conversation: c } = await createConversation(h.db, { status: "queued" });
    const ctx = systemCtx(h.db, "test", new Date("2026-01-02T03:04:05Z"));
    const change = await transition(ctx, { conversationId: c.id, event: "assign", expect: { status: "queued", assigneeId: null }, guard: { visitorPresent: false }, agentId: agent.id });
    expect(change).toMatchObject({ from: "queued", to: "offline", previousAssigneeId: null, assigneeId: agent.id });
    const [row] = await h.db.select().from(conversations).where(eq(conversations.id, c.id));
    expect(row).toMatchObject({ status: "offline", assigneeId: agent.id, assignedToAi: false });
    expect(row.assignedAt?.toISOString()).toBe("2026-01-02T03:04:05.000Z");

    // The row moved since it was read: nothing is written.
    expect(await transition(ctx, { conversationId: c.id, event: "assign", expect: { status: "queued", assigneeId: null }, agentId: agent.id })).toBeNull();
    // An event that doesn't apply in this state is a conflict, not a silent write.
    const err = await transition(ctx, { conversationId: c.id, event: "visitorGone", expect: { status: "offline", assigneeId: agent.id } }).catch((e) => e);
    expect(isAppError(err) && err.code).toBe("conflict");
  });

  it("close records who closed and when; agentGone clears the owner and requeues", async () => {
    const agent = await createStaff(h.db);
    const { conversation: a } = await createConversation(h.db, { status: "active", assigneeId: agent.id });
    const { conversation: b } = await createConversation(h.db, { status: "offline", assigneeId: agent.id });
    const now = new Date("2026-02-03T04:05:06Z");
    await transition(staffCtxFor(h.db, agent, now), { conversationId: a.id, event: "close", expect: { status: "active", assigneeId: agent.id } });
    const [closed] = await h.db.select().from(conversations).where(eq(conversations.id, a.id));
    expect(closed).toMatchObject({ status: "closed", closedById: agent.id });
    expect(closed.closedAt?.toISOString()).toBe(now.toISOString());

    const changes = await transitionMany(systemCtx(h.db, "test", now), "agentGone", [
      { conversationId: b.id, from: "offline", previousAssigneeId: agent.id },
      // Decided on a stale read: it is closed now, so it is left alone.
      { conversationId: a.id, from: "active", previousAssigneeId: agent.id },
    ]);
    expect(changes).toEqual([{ conversationId: b.id, event: "agentGone", from: "offline", to: "queued", previousAssigneeId: agent.id, assigneeId: null }]);
    const [requeued] = await h.db.select().from(conversations).where(eq(conversations.id, b.id));
    expect(requeued).toMatchObject({ status: "queued", assigneeId: null });
    expect(requeued.queuedAt?.toISOString()).toBe(now.toISOString());
  });

  it("transitionMany decides each row by its guard and honours the caller's re-check", async () => {
    const agent = await createStaff(h.db);
    const { conversation: park } = await createConversation(h.db, { status: "active", assigneeId: agent.id });
    const { conversation: queue } = await createConversation(h.db, { status: "active", assigneeId: agent.id });
    const { conversation: back } = await createConversation(h.db, { status: "active", assigneeId: agent.id });
    await h.db.update(conversations).set({ visitorOfflineSince: new Date("2026-01-01T00:00:00Z") }).where(eq(conversations.id, park.id));
    await h.db.update(conversations).set({ visitorOfflineSince: new Date("2026-01-01T00:00:00Z") }).where(eq(conversations.id, queue.id));
    const changes = await transitionMany(
      systemCtx(h.db, "test"),
      "visitorGone",
      [
        { conversationId: park.id, from: "active", previousAssigneeId: agent.id, guard: { canPark: true } },
        { conversationId: queue.id, from: "active", previousAssigneeId: agent.id, guard: { canPark: false } },
        // Its visitor came back (offline_since cleared) after the decision.
        { conversationId: back.id, from: "active", previousAssigneeId: agent.id, guard: { canPark: false } },
      ],
      sql`c.visitor_offline_since is not null`,
    );
    expect(changes.map((c) => [c.conversationId, c.to]).sort()).toEqual([[park.id, "offline"], [queue.id, "queued"]].sort());
    const rows = await h.db.select({ id: conversations.id, status: conversations.status, assigneeId: conversations.assigneeId }).from(conversations);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(park.id)).toMatchObject({ status: "offline", assigneeId: agent.id });
    expect(byId.get(queue.id)).toMatchObject({ status: "queued", assigneeId: null });
    expect(byId.get(back.id)).toMatchObject({ status: "active", assigneeId: agent.id });
  });

  it("refuses a batch the table doesn't allow", async () => {
    const { conversation: c } = await createConversation(h.db, { status: "queued" });
    const err = await transitionMany(systemCtx(h.db, "test"), "agentGone", [{ conversationId: c.id, from: "queued", previousAssigneeId: null }]).catch((e) => e);
    expect(isAppError(err) && err.code).toBe("internal");
  });
});

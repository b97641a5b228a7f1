import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { conversations, visitors, type LeadStage } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { createConversation, createProject, createStaff, staffCtxFor } from "@/tests/factories";
import { forgetChatTotals, listAllConversations, TOTAL_TTL_MS, type ChatsTablePage } from "../chats-table";

/**
 * The back office's Chats table query on a real database: every filter
 * against the same rows filtered by hand, keyset paging both ways across
 * ties on last_message_at, the cached total, and bad input.
 */

let h: DbHandle;
let admin: Awaited<ReturnType<typeof createStaff>>;
let agentA: Awaited<ReturnType<typeof createStaff>>;
let agentB: Awaited<ReturnType<typeof createStaff>>;
let projectA: number;
let projectB: number;

type Seeded = {
  id: number;
  projectId: number;
  status: "queued" | "active" | "offline" | "closed";
  assigneeId: number | null;
  ai: boolean;
  stage: LeadStage;
  at: Date;
  name: string;
  phone: string;
  email: string;
};
const rows: Seeded[] = [];
const BASE = Date.parse("2026-11-01T12:00:00.000Z");
const STAGES: LeadStage[] = ["new", "qualified", "not_qualified", "converted"];

beforeAll(async () => {
  h = await createTestDb();
  admin = await createStaff(h.db, { role: "admin" });
  agentA = await createStaff(h.db, { role: "agent", displayName: "Alma Agent" });
  agentB = await createStaff(h.db, { role: "agent", displayName: "Boris Agent" });
  projectA = (await createProject(h.db, { title: "Alpha" })).id;
  projectB = (await createProject(h.db, { title: "Beta" })).id;
  // 47 chats: three pages at 20; every fourth shares its timestamp with its
  // neighbour (ties broken by id); statuses, owners, stages and projects spread.
  for (let i = 0; i < 47; i++) {
    const status = (["queued", "active", "offline", "closed"] as const)[i % 4];
    const human = status !== "queued" && i % 5 !== 0;
    const ai = status === "active" && i % 5 === 0;
    const assigneeId = human ? (i % 2 ? agentA.id : agentB.id) : null;
    const name = i % 7 === 0 ? `Zoë Quill ${i}` : `Visitor ${i}`;
    const phone = `+44770090${String(i).padStart(4, "0")}`;
    const c = await createConversation(h.db, { projectId: i % 3 ? projectA : projectB, status, assigneeId, name, phone });
    const at = new Date(BASE + Math.floor(i / 2) * 60_000);
    const stage = STAGES[i % STAGES.length];
    await h.db.update(conversations).set({ lastMessageAt: at, leadStage: stage, assignedToAi: ai }).where(eq(conversations.id, c.conversation.id));
    rows.push({ id: c.conversation.id, projectId: c.projectId, status, assigneeId, ai, stage, at, name, phone, email: c.visitor.email });
  }
});
afterAll(async () => {
  await h?.close();
});

const ctx = (now = new Date()) => staffCtxFor(h.db, admin, now);
const newestFirst = (a: Seeded, b: Seeded) => b.at.getTime() - a.at.getTime() || b.id - a.id;

async function list(input: Record<string, unknown>, now?: Date) {
  return listAllConversations({ ctx: ctx(now), input });
}

/** Every page, following Next from the first. */
async function walk(input: Record<string, unknown>): Promise<ChatsTablePage[]> {
  const pages = [await list(input)];
  while (pages.at(-1)!.next) pages.push(await list({ ...input, after: pages.at(-1)!.next }));
  return pages;
}

async function ids(input: Record<string, unknown>) {
  return (await walk(input)).flatMap((p) => p.items.map((r) => r.id));
}

describe("listAllConversations", () => {
  it("is for roles that see every chat: agents are refused, QA and managers read", async () => {
    const agent = staffCtxFor(h.db, agentA);
    await expect(listAllConversations({ ctx: agent, input: {} })).rejects.toMatchObject({ code: "forbidden" });
    const qa = await createStaff(h.db, { role: "qa" });
    const manager = await createStaff(h.db, { role: "manager" });
    expect((await listAllConversations({ ctx: staffCtxFor(h.db, qa), input: {} })).items).toHaveLength(20);
    expect((await listAllConversations({ ctx: staffCtxFor(h.db, manager), input: {} })).total).toBe(47);
  });

  it("pages forward newest message first, ties on last_message_at broken by id, with X–Y of Z", async () => {
    const pages = await walk({});
    expect(pages.map((p) => [p.from, p.items.length, p.total])).toEqual([
      [1, 20, 47],
      [21, 20, 47],
      [41, 7, 47],
    ]);
    expect(pages.flatMap((p) => p.items.map((r) => r.id))).toEqual([...rows].sort(newestFirst).map((r) => r.id));
    expect(pages[0].prev).toBeNull();
    expect(pages[2].next).toBeNull();
  });

  it("pages back with Prev to exactly the pages it came through", async () => {
    const forward = await walk({});
    const back = [forward.at(-1)!];
    while (back.at(-1)!.prev) back.push(await list({ before: back.at(-1)!.prev }));
    expect(back.map((p) => p.items.map((r) => r.id))).toEqual(forward.map((p) => p.items.map((r) => r.id)).reverse());
    expect(back.map((p) => p.from)).toEqual([41, 21, 1]);
    // Back at the start, it is the first page again.
    expect(back.at(-1)!.prev).toBeNull();
  });

  it("keeps its rows size: 50 and 100 per page, and nothing else", async () => {
    expect((await list({ limit: "50" })).items).toHaveLength(47);
    expect((await list({ limit: 100 })).next).toBeNull();
    await expect(list({ limit: "30" })).rejects.toMatchObject({ name: "ZodError" });
  });

  it("filters by pill", async () => {
    const expectIds = (f: (r: Seeded) => boolean) => rows.filter(f).sort(newestFirst).map((r) => r.id);
    expect(await ids({ pill: "all" })).toEqual(expectIds(() => true));
    expect(await ids({ pill: "assigned" })).toEqual(expectIds((r) => r.status === "active" && r.assigneeId !== null));
    expect(await ids({ pill: "unassigned" })).toEqual(expectIds((r) => r.status === "queued"));
    expect(await ids({ pill: "offline" })).toEqual(expectIds((r) => r.status === "offline"));
    expect(await ids({ pill: "closed" })).toEqual(expectIds((r) => r.status === "closed"));
    const assigned = await list({ pill: "assigned" });
    expect(assigned.items.every((r) => r.status === "active" && r.assigneeName && !r.assignedToAi)).toBe(true);
  });

  it("filters by lead stage, agent, the AI, project and their combinations", async () => {
    const expectIds = (f: (r: Seeded) => boolean) => rows.filter(f).sort(newestFirst).map((r) => r.id);
    expect(await ids({ stage: "converted" })).toEqual(expectIds((r) => r.stage === "converted"));
    expect(await ids({ agent: String(agentA.id) })).toEqual(expectIds((r) => r.assigneeId === agentA.id));
    expect(await ids({ agent: "ai" })).toEqual(expectIds((r) => r.ai));
    expect((await list({ agent: "ai" })).items.every((r) => r.assignedToAi && r.assigneeName === null)).toBe(true);
    expect(await ids({ project: String(projectB) })).toEqual(expectIds((r) => r.projectId === projectB));
    expect(await ids({ project: String(projectA), pill: "closed", agent: String(agentB.id) })).toEqual(
      expectIds((r) => r.projectId === projectA && r.status === "closed" && r.assigneeId === agentB.id),
    );
    const page = await list({ project: String(projectB) });
    expect(page.items[0].projectTitle).toBe("Beta");
    expect(page.options.projects.map((p) => p.title)).toEqual(expect.arrayContaining(["Alpha", "Beta"]));
    expect(page.options.agents.map((a) => a.name)).toEqual(expect.arrayContaining(["Alma Agent", "Boris Agent"]));
  });

  it("filters by a last-message date range: from inclusive, to exclusive", async () => {
    const from = new Date(BASE + 5 * 60_000);
    const to = new Date(BASE + 9 * 60_000);
    const got = await ids({ from: from.toISOString(), to: to.toISOString() });
    const want = rows.filter((r) => r.at >= from && r.at < to).sort(newestFirst).map((r) => r.id);
    expect(want).toHaveLength(8);
    expect(got).toEqual(want);
  });

  it("searches by name, email or phone prefix, case-insensitively", async () => {
    const expectIds = (f: (r: Seeded) => boolean) => rows.filter(f).sort(newestFirst).map((r) => r.id);
    expect(await ids({ q: "zoë q" })).toEqual(expectIds((r) => r.name.startsWith("Zoë Quill")));
    expect(await ids({ q: "ZOË" })).toHaveLength(7);
    const one = rows[12];
    expect(await ids({ q: one.email.toUpperCase() })).toEqual([one.id]);
    // A phone typed the way people type them: spaces, with or without the +.
    expect(await ids({ q: "+44 7700 9000 12" })).toEqual([one.id]);
    expect(await ids({ q: "44770090001" })).toHaveLength(10);
    // LIKE's wildcards are literal.
    expect(await ids({ q: "%" })).toEqual([]);
    expect(await ids({ q: "Visitor_1" })).toEqual([]);
  });

  it("a visitor's new name is searchable on all their chats at once (the chats' copy follows the visitor)", async () => {
    const one = rows[20];
    const [c] = await h.db.select({ visitorId: conversations.visitorId }).from(conversations).where(eq(conversations.id, one.id));
    await h.db.update(visitors).set({ name: "Renamed Person" }).where(eq(visitors.id, c.visitorId));
    try {
      expect(await ids({ q: "renamed pers" })).toEqual([one.id]);
      expect(await ids({ q: one.name })).not.toContain(one.id);
    } finally {
      await h.db.update(visitors).set({ name: one.name }).where(eq(visitors.id, c.visitorId));
    }
    expect(await ids({ q: one.name })).toContain(one.id);
  });

  it("counts a filter set once and reuses it for the TTL, a new filter set counts afresh", async () => {
    forgetChatTotals(h.db);
    const t0 = new Date();
    expect((await list({}, t0)).total).toBe(47);
    expect((await list({ pill: "unassigned" }, t0)).total).toBe(12);
    const extra = await createConversation(h.db, { projectId: projectA, status: "queued" });
    // Page turns within the TTL: the cached count, not a new one — the new chat is on page 1 all the same.
    const later = new Date(t0.getTime() + TOTAL_TTL_MS - 1000);
    const first = await list({}, later);
    expect(first.total).toBe(47);
    expect(first.items.map((r) => r.id)).toContain(extra.conversation.id);
    expect((await list({ after: first.next }, later)).total).toBe(47);
    // Same filters spelled differently share the count ("pill=all", "q= " and none).
    expect((await list({ pill: "all", q: " " }, later)).total).toBe(47);
    // A filter set not counted yet is counted now.
    expect((await list({ pill: "unassigned", project: String(projectA) }, later)).total).toBe(rows.filter((r) => r.status === "queued" && r.projectId === projectA).length + 1);
    // After the TTL: counted again.
    expect((await list({}, new Date(t0.getTime() + TOTAL_TTL_MS + 1))).total).toBe(48);
    await h.db.delete(visitors).where(eq(visitors.id, extra.visitor.id));
    forgetChatTotals(h.db);
  });

  it("never says fewer in total than the rows it has shown", async () => {
    forgetChatTotals(h.db);
    const t0 = new Date();
    expect((await list({ pill: "offline" }, t0)).total).toBe(12);
    const added = [];
    for (let i = 0; i < 10; i++) added.push(await createConversation(h.db, { projectId: projectA, status: "offline", assigneeId: agentA.id }));
    const page = await list({ pill: "offline", limit: "50" }, new Date(t0.getTime() + 1000));
    expect(page.items).toHaveLength(22);
    expect(page.total).toBe(22);
    await h.db.execute(sql`delete from visitors where id in (${sql.join(added.map((a) => sql`${a.visitor.id}`), sql`, `)})`);
    forgetChatTotals(h.db);
  });

  it("refuses bad filters and forged cursors with field errors, before any query", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ pill: "mine" }, "pill"],
      [{ stage: "hot" }, "stage"],
      [{ agent: "robot" }, "agent"],
      [{ agent: "0" }, "agent"],
      [{ project: "-1" }, "project"],
      [{ from: "yesterday" }, "from"],
      [{ from: "2026-11-02T00:00:00Z", to: "2026-11-01T00:00:00Z" }, "to"],
      [{ q: "x".repeat(101) }, "q"],
      [{ after: "not a cursor" }, "after"],
      [{ after: Buffer.from(JSON.stringify({ o: 1, k: ["x", 1] })).toString("base64url") }, "after"],
      [{ before: Buffer.from("{").toString("base64url") }, "before"],
    ];
    for (const [input, field] of cases) {
      const err = await list(input).then(
        () => null,
        (e: unknown) => e as { name: string; issues: { path: PropertyKey[] }[] },
      );
      expect(err?.name, JSON.stringify(input)).toBe("ZodError");
      expect(err!.issues.map((i) => i.path[0]), JSON.stringify(input)).toContain(field);
    }
    const p1 = await list({});
    await expect(list({ after: p1.next, before: p1.next })).rejects.toMatchObject({ code: "bad_request" });
  });
});

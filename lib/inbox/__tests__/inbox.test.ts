import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, DbHandle } from "../../../db/client";
import { conversations, quickReplies } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createConversation, createProject, createStaff, staffCtxFor } from "../../../tests/factories";
import { setLeadStage } from "../../chat/set-lead-stage";
import {
  bucketCounts,
  bucketOf,
  createQuickReply,
  deleteQuickReply,
  listBucket,
  listQuickReplies,
  matchesSearch,
  setStar,
  updateQuickReply,
  type Bucket,
} from "..";

let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

type Status = "queued" | "active" | "offline" | "closed";

async function chat(db: Db, o: { status: Status; assigneeId?: number | null; projectId?: number; name?: string; phone?: string; at?: Date; unread?: number }) {
  const { conversation, visitor } = await createConversation(db, { status: o.status, assigneeId: o.assigneeId ?? null, projectId: o.projectId, name: o.name, phone: o.phone });
  await db
    .update(conversations)
    .set({ lastMessageAt: o.at ?? new Date(), staffUnread: o.unread ?? 0 })
    .where(eq(conversations.id, conversation.id));
  return { id: conversation.id, visitor };
}

/** Every id of a bucket, following cursors to the end. */
async function allIds(ctx: ReturnType<typeof staffCtxFor>, bucket: Bucket, extra: { q?: string; limit?: number } = {}) {
  const ids: number[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await listBucket({ ctx, input: { bucket, after, ...extra } });
    ids.push(...page.items.map((i) => i.id));
    if (!page.nextCursor) return ids;
    after = page.nextCursor;
  }
  throw new Error("cursor never ended");
}

describe("bucket membership", () => {
  it("puts each chat in the right bucket for each agent", async () => {
    // A database of its own would be cleaner; instead every assertion is about chats created here.
    const project = await createProject(h.db);
    const me = await createStaff(h.db);
    const mate = await createStaff(h.db);
    const mine = {
      active: await chat(h.db, { status: "active", assigneeId: me.id }),
      offline: await chat(h.db, { status: "offline", assigneeId: me.id }),
      closed: await chat(h.db, { status: "closed", assigneeId: me.id }),
    };
    const queuedHere = await chat(h.db, { status: "queued", projectId: project.id });
    const queuedElsewhere = await chat(h.db, { status: "queued" });
    const mateActive = await chat(h.db, { status: "active", assigneeId: mate.id });
    const mateOffline = await chat(h.db, { status: "offline", assigneeId: mate.id });
    const mateClosed = await chat(h.db, { status: "closed", assigneeId: mate.id });
    const ai = await chat(h.db, { status: "active", assigneeId: null });
    await h.db.update(conversations).set({ assignedToAi: true }).where(eq(conversations.id, ai.id));

    const ctx = staffCtxFor(h.db, me);
    const active = await allIds(ctx, "active");
    const offline = await allIds(ctx, "offline");
    const closed = await allIds(ctx, "closed");
    const unassigned = await allIds(ctx, "unassigned");
    const others = await allIds(ctx, "others");

    expect(active).toEqual([mine.active.id]);
    expect(offline).toEqual([mine.offline.id]);
    expect(closed).toEqual([mine.closed.id]);
    expect(unassigned).toEqual(expect.arrayContaining([queuedHere.id, queuedElsewhere.id]));
    expect(others).toEqual(expect.arrayContaining([mateActive.id, mateOffline.id]));
    for (const id of [mateClosed.id, ai.id, mine.active.id, mine.offline.id, mine.closed.id]) expect(others).not.toContain(id);
    for (const id of [mateActive.id, ai.id, mine.active.id]) expect(unassigned).not.toContain(id);

    // The teammate sees the mirror image.
    const mateCtx = staffCtxFor(h.db, mate);
    expect(await allIds(mateCtx, "active")).toEqual([mateActive.id]);
    expect(await allIds(mateCtx, "others")).toEqual(expect.arrayContaining([mine.active.id, mine.offline.id]));
    expect(await allIds(mateCtx, "others")).not.toContain(mine.closed.id);

    // The browser's rule agrees with the server's.
    const rows = await h.db.select().from(conversations).where(inArray(conversations.id, [mine.active.id, mine.offline.id, mine.closed.id, queuedHere.id, mateActive.id, mateClosed.id]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(bucketOf(byId.get(mine.active.id)!, me.id)).toBe("active");
    expect(bucketOf(byId.get(mine.offline.id)!, me.id)).toBe("offline");
    expect(bucketOf(byId.get(mine.closed.id)!, me.id)).toBe("closed");
    expect(bucketOf(byId.get(queuedHere.id)!, me.id)).toBe("unassigned");
    expect(bucketOf(byId.get(mateActive.id)!, me.id)).toBe("others");
    expect(bucketOf(byId.get(mateClosed.id)!, me.id)).toBeNull();
  });

  it("returns DTOs with visitor, preview and the viewer's star", async () => {
    const me = await createStaff(h.db);
    const c = await chat(h.db, { status: "active", assigneeId: me.id, name: "Priya Shah", unread: 2 });
    const page = await listBucket({ ctx: staffCtxFor(h.db, me), input: { bucket: "active" } });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ id: c.id, status: "active", assigneeId: me.id, staffUnread: 2, starred: false, visitor: { name: "Priya Shah" } });
    expect(page.nextCursor).toBeNull();
  });
});

describe("keyset paging", () => {
  it("walks 45 chats with the same last-message time without skips or duplicates", async () => {
    const me = await createStaff(h.db);
    const at = new Date("2025-03-01T10:00:00.000Z");
    const created: number[] = [];
    for (let i = 0; i < 45; i++) created.push((await chat(h.db, { status: "offline", assigneeId: me.id, at })).id);
    const ctx = staffCtxFor(h.db, me);

    const pages: number[][] = [];
    let after: string | undefined;
    do {
      const page = await listBucket({ ctx, input: { bucket: "offline", after } });
      pages.push(page.items.map((i) => i.id));
      after = page.nextCursor ?? undefined;
    } while (after);

    expect(pages.map((p) => p.length)).toEqual([20, 20, 5]);
    const ids = pages.flat();
    expect(new Set(ids).size).toBe(45);
    expect(ids).toEqual([...created].sort((a, b) => b - a));
  });

  it("sorts by last message time, newest first, across different times", async () => {
    const me = await createStaff(h.db);
    const old = await chat(h.db, { status: "active", assigneeId: me.id, at: new Date("2025-01-01T00:00:00Z") });
    const newest = await chat(h.db, { status: "active", assigneeId: me.id, at: new Date("2025-01-03T00:00:00Z") });
    const middle = await chat(h.db, { status: "active", assigneeId: me.id, at: new Date("2025-01-02T00:00:00Z") });
    const ctx = staffCtxFor(h.db, me);
    const first = await listBucket({ ctx, input: { bucket: "active", limit: 2 } });
    expect(first.items.map((i) => i.id)).toEqual([newest.id, middle.id]);
    const second = await listBucket({ ctx, input: { bucket: "active", limit: 2, after: first.nextCursor } });
    expect(second.items.map((i) => i.id)).toEqual([old.id]);
    expect(second.nextCursor).toBeNull();
  });

  it("is not reordered by a lead-stage change", async () => {
    const me = await createStaff(h.db);
    const base = Date.parse("2025-02-01T00:00:00Z");
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await chat(h.db, { status: "active", assigneeId: me.id, at: new Date(base + i * 60_000) })).id);
    const ctx = staffCtxFor(h.db, me);
    const before = (await listBucket({ ctx, input: { bucket: "active" } })).items.map((i) => i.id);
    expect(before).toEqual([...ids].reverse());

    const [row] = await h.db.select().from(conversations).where(eq(conversations.id, ids[0]));
    const { result: dto } = await setLeadStage({ ctx: staffCtxFor(h.db, me, new Date(base + 3_600_000)), input: { conversationId: ids[0], stage: "qualified" } });
    expect(dto.leadStage).toBe("qualified");
    expect(dto.lastMessageAt).toBe(row.lastMessageAt.toISOString());

    const after = (await listBucket({ ctx, input: { bucket: "active" } })).items.map((i) => i.id);
    expect(after).toEqual(before);
  });

  it("rejects malformed input with a validation error, not a crash", async () => {
    const me = await createStaff(h.db);
    const ctx = staffCtxFor(h.db, me);
    for (const input of [
      { bucket: "mine" },
      {},
      { bucket: "active", after: "yesterday" },
      { bucket: "active", limit: 0 },
      { bucket: "active", limit: "lots" },
      { bucket: "active", q: "x".repeat(101) },
    ]) {
      await expect(listBucket({ ctx, input })).rejects.toMatchObject({ name: "ZodError" });
    }
  });
});

describe("search", () => {
  it("finds chats by visitor name, case-insensitively, within the bucket", async () => {
    const me = await createStaff(h.db);
    const hit = await chat(h.db, { status: "active", assigneeId: me.id, name: "Mariana Oliveira" });
    await chat(h.db, { status: "active", assigneeId: me.id, name: "Tom Baker" });
    const elsewhere = await chat(h.db, { status: "offline", assigneeId: me.id, name: "Mariana Silva" });
    const ctx = staffCtxFor(h.db, me);
    expect(await allIds(ctx, "active", { q: "  mariANA " })).toEqual([hit.id]);
    expect(await allIds(ctx, "offline", { q: "mariana" })).toEqual([elsewhere.id]);
    expect(await allIds(ctx, "active", { q: "nobody" })).toEqual([]);
    // Blank search is no search.
    expect(await allIds(ctx, "active", { q: "   " })).toHaveLength(2);
  });

  it("treats % and _ literally", async () => {
    const me = await createStaff(h.db);
    const odd = await chat(h.db, { status: "active", assigneeId: me.id, name: "Ann_100%" });
    await chat(h.db, { status: "active", assigneeId: me.id, name: "Annx100" });
    const ctx = staffCtxFor(h.db, me);
    expect(await allIds(ctx, "active", { q: "n_1" })).toEqual([odd.id]);
    expect(await allIds(ctx, "active", { q: "%" })).toEqual([odd.id]);
  });

  it("finds chats by phone digits, ignoring spaces and +", async () => {
    const me = await createStaff(h.db);
    const hit = await chat(h.db, { status: "closed", assigneeId: me.id, name: "Caller", phone: "+447700900123" });
    await chat(h.db, { status: "closed", assigneeId: me.id, name: "Other", phone: "+14155550100" });
    const ctx = staffCtxFor(h.db, me);
    for (const q of ["+44 7700 900123", "447700900123", "7700 900", "900123", "07700 900123", "(0)7700-900", "0044 7700 900123"]) {
      expect(await allIds(ctx, "closed", { q }), q).toEqual([hit.id]);
    }
    expect(await allIds(ctx, "closed", { q: "+1 415" })).toHaveLength(1);
    expect(await allIds(ctx, "closed", { q: "999999" })).toEqual([]);
  });

  it("the browser's matcher agrees on the same examples", () => {
    const c = { visitor: { name: "Mariana Oliveira", phone: "+447700900123" } };
    expect(matchesSearch(c, " mariana ")).toBe(true);
    expect(matchesSearch(c, "+44 7700 900123")).toBe(true);
    expect(matchesSearch(c, "07700 900123")).toBe(true);
    expect(matchesSearch(c, "999")).toBe(false);
    expect(matchesSearch(c, "")).toBe(true);
  });
});

describe("stars", () => {
  it("are per agent, idempotent, and shown in the list", async () => {
    const a = await createStaff(h.db);
    const b = await createStaff(h.db);
    const c = await chat(h.db, { status: "queued" });
    const ctxA = staffCtxFor(h.db, a);
    const ctxB = staffCtxFor(h.db, b);

    expect(await setStar({ ctx: ctxA, input: { conversationId: c.id, starred: true } })).toEqual({ conversationId: c.id, starred: true });
    await setStar({ ctx: ctxA, input: { conversationId: c.id, starred: true } });

    const starredFor = async (ctx: typeof ctxA) => {
      let after: string | undefined;
      for (;;) {
        const page = await listBucket({ ctx, input: { bucket: "unassigned", after, limit: 50 } });
        const item = page.items.find((i) => i.id === c.id);
        if (item) return item.starred;
        if (!page.nextCursor) throw new Error("chat not listed");
        after = page.nextCursor;
      }
    };
    expect(await starredFor(ctxA)).toBe(true);
    expect(await starredFor(ctxB)).toBe(false);

    await setStar({ ctx: ctxA, input: { conversationId: c.id, starred: false } });
    await setStar({ ctx: ctxA, input: { conversationId: c.id, starred: false } });
    expect(await starredFor(ctxA)).toBe(false);
  });

  it("refuses chats that don't exist and users without Live Chat", async () => {
    const a = await createStaff(h.db);
    await expect(setStar({ ctx: staffCtxFor(h.db, a), input: { conversationId: 2_000_000_000, starred: true } })).rejects.toMatchObject({ code: "not_found" });
    const noChat = await createStaff(h.db, { liveChatEnabled: false });
    const c = await chat(h.db, { status: "queued" });
    await expect(setStar({ ctx: staffCtxFor(h.db, noChat), input: { conversationId: c.id, starred: true } })).rejects.toMatchObject({ code: "forbidden" });
    const qa = await createStaff(h.db, { role: "qa" });
    await expect(setStar({ ctx: staffCtxFor(h.db, qa), input: { conversationId: c.id, starred: true } })).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("quick replies", () => {
  it("keeps at most 5 per agent, in order, editable and deletable", async () => {
    const me = await createStaff(h.db);
    const mate = await createStaff(h.db);
    const ctx = staffCtxFor(h.db, me);
    const made = [];
    for (let i = 1; i <= 5; i++) made.push(await createQuickReply({ ctx, input: { body: `  Reply ${i}  ` } }));
    expect(made.map((r) => r.body)).toEqual(["Reply 1", "Reply 2", "Reply 3", "Reply 4", "Reply 5"]);

    await expect(createQuickReply({ ctx, input: { body: "Reply 6" } })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("up to 5"),
    });
    // Another agent's cap is their own.
    expect((await createQuickReply({ ctx: staffCtxFor(h.db, mate), input: { body: "Mine" } })).body).toBe("Mine");

    const edited = await updateQuickReply({ ctx, input: { id: made[1].id, body: "Reply two" } });
    expect(edited.body).toBe("Reply two");
    await deleteQuickReply({ ctx, input: { id: made[0].id } });
    const sixth = await createQuickReply({ ctx, input: { body: "Reply 6" } });
    expect((await listQuickReplies({ ctx })).items.map((r) => r.body)).toEqual(["Reply two", "Reply 3", "Reply 4", "Reply 5", "Reply 6"]);
    expect(sixth.position).toBeGreaterThan(made[4].position);
  });

  it("refuses concurrent adds past the cap", async () => {
    const me = await createStaff(h.db);
    const ctx = staffCtxFor(h.db, me);
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6, 7].map((i) => createQuickReply({ ctx, input: { body: `r${i}` } })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    const rows = await h.db.select().from(quickReplies).where(eq(quickReplies.userId, me.id));
    expect(rows).toHaveLength(5);
  });

  it("validates bodies and keeps other agents' replies out of reach", async () => {
    const me = await createStaff(h.db);
    const mate = await createStaff(h.db);
    const ctx = staffCtxFor(h.db, me);
    await expect(createQuickReply({ ctx, input: { body: "   " } })).rejects.toMatchObject({ name: "ZodError" });
    await expect(createQuickReply({ ctx, input: { body: "x".repeat(1001) } })).rejects.toMatchObject({ name: "ZodError" });
    await expect(createQuickReply({ ctx, input: {} })).rejects.toMatchObject({ name: "ZodError" });
    expect((await createQuickReply({ ctx, input: { body: "x".repeat(1000) } })).body).toHaveLength(1000);

    const theirs = await createQuickReply({ ctx: staffCtxFor(h.db, mate), input: { body: "Theirs" } });
    await expect(updateQuickReply({ ctx, input: { id: theirs.id, body: "hijack" } })).rejects.toMatchObject({ code: "not_found" });
    await expect(deleteQuickReply({ ctx, input: { id: theirs.id } })).rejects.toMatchObject({ code: "not_found" });
    expect((await listQuickReplies({ ctx: staffCtxFor(h.db, mate) })).items.map((r) => r.body)).toEqual(["Theirs"]);
    expect((await listQuickReplies({ ctx })).items.every((r) => r.body !== "Theirs")).toBe(true);

    const qa = await createStaff(h.db, { role: "qa" });
    await expect(listQuickReplies({ ctx: staffCtxFor(h.db, qa) })).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("bucketCounts", () => {
  it("counts every bucket with its unread badge in one call", async () => {
    const me = await createStaff(h.db);
    const mate = await createStaff(h.db);
    const ctx = staffCtxFor(h.db, me);
    const before = await bucketCounts({ ctx });
    expect(before.active).toEqual({ count: 0, unread: 0 });
    expect(before.offline).toEqual({ count: 0, unread: 0 });
    expect(before.closed).toEqual({ count: 0, unread: 0 });

    await chat(h.db, { status: "active", assigneeId: me.id, unread: 2 });
    await chat(h.db, { status: "active", assigneeId: me.id, unread: 1 });
    await chat(h.db, { status: "active", assigneeId: me.id });
    await chat(h.db, { status: "offline", assigneeId: me.id, unread: 4 });
    await chat(h.db, { status: "closed", assigneeId: me.id });
    await chat(h.db, { status: "queued", unread: 3 });
    await chat(h.db, { status: "queued", unread: 1 });
    await chat(h.db, { status: "queued" });
    await chat(h.db, { status: "active", assigneeId: mate.id, unread: 9 });
    await chat(h.db, { status: "closed", assigneeId: mate.id, unread: 9 });

    const after = await bucketCounts({ ctx });
    expect(after.active).toEqual({ count: 3, unread: 3 });
    expect(after.offline).toEqual({ count: 1, unread: 4 });
    expect(after.closed).toEqual({ count: 1, unread: 0 });
    expect(after.unassigned.count - before.unassigned.count).toBe(3);
    expect(after.unassigned.unread - before.unassigned.unread).toBe(2);
    expect(after.others.count - before.others.count).toBe(1);
    expect(after.others.unread).toBe(0);

    // And it agrees with the lists.
    for (const b of ["active", "offline", "closed", "unassigned", "others"] as const) {
      expect(await allIds(ctx, b, { limit: 50 })).toHaveLength(after[b].count);
    }
  });

  it("is the agent console's: admins, managers, QA and agents without Live Chat are refused", async () => {
    for (const over of [{ role: "admin" as const }, { role: "manager" as const }, { role: "qa" as const }, { liveChatEnabled: false }]) {
      const u = await createStaff(h.db, over);
      const ctx = staffCtxFor(h.db, u);
      await expect(bucketCounts({ ctx })).rejects.toMatchObject({ code: "forbidden" });
      await expect(listBucket({ ctx, input: { bucket: "active" } })).rejects.toMatchObject({ code: "forbidden" });
    }
  });
});

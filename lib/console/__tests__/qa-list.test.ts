import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { conversations } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createConversation, createProject, createStaff, staffCtxFor } from "../../../tests/factories";
import { listQaConversations } from "../qa-list";

let h: DbHandle;
let qa: Awaited<ReturnType<typeof createStaff>>;
let agentA: Awaited<ReturnType<typeof createStaff>>;
let agentB: Awaited<ReturnType<typeof createStaff>>;
/** Ids in the order the list must show them (newest activity first). */
const ids: Record<string, number> = {};

beforeAll(async () => {
  h = await createTestDb();
  qa = await createStaff(h.db, { role: "qa" });
  agentA = await createStaff(h.db, { role: "agent" });
  agentB = await createStaff(h.db, { role: "agent" });
  const { id: projectId } = await createProject(h.db);
  const base = Date.UTC(2026, 0, 1, 12);
  const rows: [string, Parameters<typeof createConversation>[1], number][] = [
    ["aActive", { status: "active", assigneeId: null }, 9],
    ["aClosed", { status: "closed" }, 8],
    ["bActive", { status: "active" }, 7],
    ["ai", { status: "active" }, 6],
    ["queued", { status: "queued" }, 5],
    // Same timestamp as "queued": the id breaks the tie, so paging never skips or repeats.
    ["aOffline", { status: "offline" }, 5],
  ];
  for (const [name, over, minutes] of rows) {
    const { conversation } = await createConversation(h.db, { projectId, ...over });
    ids[name] = conversation.id;
    const assigneeId = name.startsWith("a") && name !== "ai" ? agentA.id : name.startsWith("b") ? agentB.id : null;
    await h.db
      .update(conversations)
      .set({ lastMessageAt: new Date(base + minutes * 60_000), assigneeId, assignedToAi: name === "ai" })
      .where(eq(conversations.id, conversation.id));
  }
});
afterAll(async () => {
  await h?.close();
});

const list = (input: Record<string, unknown>, who = qa) => listQaConversations({ ctx: staffCtxFor(h.db, who), input });
const names = (items: { id: number }[]) => items.map((i) => Object.keys(ids).find((k) => ids[k] === i.id));

describe("listQaConversations", () => {
  it("lists every chat, newest activity first, in keyset pages that neither skip nor repeat", async () => {
    const all = await list({ limit: 50 });
    expect(names(all.items)).toEqual(["aActive", "aClosed", "bActive", "ai", "aOffline", "queued"]);
    expect(all.nextCursor).toBeNull();
    const seen: number[] = [];
    let after: string | undefined;
    do {
      const page = await list({ limit: 2, after });
      seen.push(...page.items.map((i) => i.id));
      after = page.nextCursor ?? undefined;
    } while (after);
    expect(seen).toEqual(all.items.map((i) => i.id));
  });

  it("filters by agent, by the AI as a virtual agent, and by status — alone and together", async () => {
    expect(names((await list({ agent: String(agentA.id) })).items)).toEqual(["aActive", "aClosed", "aOffline"]);
    expect(names((await list({ agent: "ai" })).items)).toEqual(["ai"]);
    expect(names((await list({ status: "active" })).items)).toEqual(["aActive", "bActive", "ai"]);
    expect(names((await list({ agent: String(agentA.id), status: "closed" })).items)).toEqual(["aClosed"]);
    // "All" from the URL is an empty parameter.
    expect((await list({ agent: "", status: "" })).items).toHaveLength(6);
    const first = (await list({ agent: "ai" })).items[0];
    expect(first).toMatchObject({ assignedToAi: true, assigneeId: null, status: "active" });
  });

  it("refuses bad filters and forged cursors with field errors, and actors who don't see every chat", async () => {
    for (const input of [{ agent: "bob" }, { agent: "-1" }, { status: "deleted" }, { after: "1.2.3" }, { after: `${Date.now()}.99999999999` }, { limit: 500 }]) {
      await expect(list(input), JSON.stringify(input)).rejects.toMatchObject({ name: "ZodError" });
    }
    await expect(list({}, agentA)).rejects.toMatchObject({ code: "forbidden" });
  });
});

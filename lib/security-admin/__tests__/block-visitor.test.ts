import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { auditLog, blockedIps, conversations, settings, type StaffRole, type users } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createConversation, createStaff, staffCtxFor } from "../../../tests/factories";
import { parseEnv } from "../../env";
import { describeError } from "../../errors";
import { setSingleton } from "../../singleton";
import { isIpBlocked, refreshIpBlocks } from "../../security/ip-blocks";
import { updateAllowList } from "..";
import { blockVisitor } from "../block-visitor";

/**
 * Block visitor (the chat modal): the chat's captured IP blocked with reason
 * and operator, the chat closed through the lifecycle, one transaction with
 * its audit rows. A real database; a fixed clock.
 */
let h: DbHandle;
type User = typeof users.$inferSelect;
const staff: Partial<Record<StaffRole, User>> = {};
const NOW = new Date("2026-05-01T12:00:00.000Z");
const ctx = (role: StaffRole, ip = "198.51.100.200") => ({ ...staffCtxFor(h.db, staff[role]!, NOW), ip });

let seq = 0;
/** An open chat from an address of its own (the factory gives every chat the same one). */
async function chatFrom(ip: string | null = `192.0.2.${++seq}`, status: "queued" | "active" | "closed" = "active") {
  const { conversation } = await createConversation(h.db, status === "active" ? { status, assigneeId: staff.agent!.id } : { status });
  await h.db.update(conversations).set({ ip }).where(eq(conversations.id, conversation.id));
  return { id: conversation.id, ip };
}

const outcome = async (p: Promise<unknown>) => {
  try {
    await p;
    return { status: 200, code: "ok", fields: undefined as Record<string, string> | undefined, message: "" };
  } catch (err) {
    const d = describeError(err);
    return { status: d.status, code: d.body.error.code, fields: d.body.error.fields, message: d.body.error.message };
  }
};
const statusOf = async (id: number) => (await h.db.select({ status: conversations.status }).from(conversations).where(eq(conversations.id, id)))[0].status;
const blocksOf = (address: string) => h.db.select().from(blockedIps).where(eq(blockedIps.address, address));
const auditsFor = (action: string, targetId: string) =>
  h.db.select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.targetId, targetId)));

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-block-visitor"), SESSION_SECRET: "b".repeat(40) } as unknown as NodeJS.ProcessEnv));
  setSingleton("rate-limiters", undefined);
  h = await createTestDb();
  for (const role of ["admin", "manager", "agent", "qa"] as const) staff[role] = await createStaff(h.db, { role });
});
afterEach(async () => {
  await h.db.delete(blockedIps);
  await h.db.delete(settings);
  await refreshIpBlocks(h.db, NOW);
});
afterAll(async () => {
  setSingleton("env", undefined);
  await h?.close();
});

describe("blockVisitor", () => {
  it.each(["agent", "qa"] as const)("refuses %s (403) and changes nothing", async (role) => {
    const c = await chatFrom();
    const r = await outcome(blockVisitor({ ctx: ctx(role), input: { conversationId: c.id, reason: "spam" } }));
    expect(r.status).toBe(403);
    expect(await blocksOf(c.ip!)).toHaveLength(0);
    expect(await statusOf(c.id)).toBe("active");
  });

  it.each(["admin", "manager"] as const)("%s: records the IP with reason and operator, closes the chat, audits both, in one go", async (role) => {
    const c = await chatFrom();
    const { result, effects } = await blockVisitor({ ctx: ctx(role), input: { conversationId: String(c.id), reason: "  threats  " } });
    expect(result).toMatchObject({ conversationId: c.id, address: c.ip, created: true, closed: true });

    const [block] = await blocksOf(c.ip!);
    expect(block).toMatchObject({ id: result.blockId, reason: "threats", source: "manual", operatorId: staff[role]!.id, expiresAt: null });
    expect(await statusOf(c.id)).toBe("closed");

    const [row] = await auditsFor("visitor.block", String(c.id));
    expect(row).toMatchObject({ actorKind: "staff", actorId: staff[role]!.id, targetType: "conversation", ip: "198.51.100.200" });
    expect(row.data).toMatchObject({ address: c.ip, blockId: block.id, reason: "threats", operator: staff[role]!.displayName, closed: true });
    expect(await auditsFor("conversation.close", String(c.id))).toHaveLength(1);
    expect(await auditsFor("ip.block", c.ip!)).toHaveLength(1);

    // The visitor hears the chat ended; the freed slot goes to the queue.
    expect(effects.conversations).toEqual([{ id: c.id, previousAssigneeId: staff.agent!.id }]);
    expect(effects.drain).toBe(true);

    // Written, not yet applied: the caller applies it after the effects (the route does).
    expect(isIpBlocked(c.ip!, NOW.getTime())).toBe(false);
    await refreshIpBlocks(h.db, NOW);
    expect(isIpBlocked(c.ip!, NOW.getTime())).toBe(true);
  });

  it("an IPv6 visitor is blocked by their /64, as the strike rules count them", async () => {
    const c = await chatFrom("2001:db8:aa:bb:1:2:3:4");
    const { result } = await blockVisitor({ ctx: ctx("manager"), input: { conversationId: c.id, reason: "abuse" } });
    expect(result.address).toBe("2001:db8:aa:bb::/64");
    await refreshIpBlocks(h.db, NOW);
    expect(isIpBlocked("2001:db8:aa:bb:ffff::1", NOW.getTime())).toBe(true);
    expect(isIpBlocked("2001:db8:aa:bc::1", NOW.getTime())).toBe(false);
  });

  it("a chat without a captured IP is a 409 with a message, and stays open", async () => {
    const c = await chatFrom(null);
    const r = await outcome(blockVisitor({ ctx: ctx("admin"), input: { conversationId: c.id, reason: "spam" } }));
    expect(r.status).toBe(409);
    expect(r.message).toMatch(/no ip address was captured/i);
    expect(await statusOf(c.id)).toBe("active");
    expect(await auditsFor("visitor.block", String(c.id))).toHaveLength(0);
  });

  it("an already closed chat: the block is still recorded, nothing is reopened or closed twice", async () => {
    const c = await chatFrom(undefined, "closed");
    const { result, effects } = await blockVisitor({ ctx: ctx("admin"), input: { conversationId: c.id, reason: "came back to insult" } });
    expect(result).toMatchObject({ created: true, closed: false });
    expect(await blocksOf(c.ip!)).toHaveLength(1);
    expect(await statusOf(c.id)).toBe("closed");
    expect(await auditsFor("conversation.close", String(c.id))).toHaveLength(0);
    expect((await auditsFor("visitor.block", String(c.id)))[0].data).toMatchObject({ closed: false });
    expect(effects.conversations).toEqual([]);
  });

  it("an address already blocked keeps its block and the chat still closes", async () => {
    const c = await chatFrom();
    const first = await chatFrom(c.ip);
    const a = await blockVisitor({ ctx: ctx("admin"), input: { conversationId: first.id, reason: "one" } });
    const b = await blockVisitor({ ctx: ctx("manager"), input: { conversationId: c.id, reason: "two" } });
    expect(b.result).toMatchObject({ blockId: a.result.blockId, created: false, closed: true });
    expect(await blocksOf(c.ip!)).toHaveLength(1);
    expect(await statusOf(c.id)).toBe("closed");
  });

  it("a refused block closes nothing: the allow-list and the operator's own address are 409s", async () => {
    const listed = await chatFrom();
    await updateAllowList({ ctx: ctx("admin"), input: { entries: [{ address: listed.ip!, note: "office" }] } });
    const r1 = await outcome(blockVisitor({ ctx: ctx("admin"), input: { conversationId: listed.id, reason: "spam" } }));
    expect(r1.status).toBe(409);
    expect(r1.message).toMatch(/allow-list/);

    const mine = await chatFrom();
    const r2 = await outcome(blockVisitor({ ctx: ctx("admin", mine.ip!), input: { conversationId: mine.id, reason: "spam" } }));
    expect(r2.status).toBe(409);
    expect(r2.message).toMatch(/your own address/);

    for (const c of [listed, mine]) {
      expect(await statusOf(c.id)).toBe("active");
      expect(await blocksOf(c.ip!)).toHaveLength(0);
      expect(await auditsFor("visitor.block", String(c.id))).toHaveLength(0);
      expect(await auditsFor("conversation.close", String(c.id))).toHaveLength(0);
    }
  });

  it("unknown ids are 404; malformed ids and a missing or long reason are 400s naming the field", async () => {
    const c = await chatFrom();
    expect((await outcome(blockVisitor({ ctx: ctx("admin"), input: { conversationId: 2_000_000_000, reason: "x" } }))).status).toBe(404);
    for (const [input, field] of [
      [{ conversationId: "abc", reason: "x" }, "conversationId"],
      [{ conversationId: -1, reason: "x" }, "conversationId"],
      [{ conversationId: 99_999_999_999, reason: "x" }, "conversationId"],
      [{ conversationId: c.id }, "reason"],
      [{ conversationId: c.id, reason: "   " }, "reason"],
      [{ conversationId: c.id, reason: "x".repeat(501) }, "reason"],
      [{ conversationId: c.id, reason: "x", expiresAt: null }, "_"],
    ] as const) {
      const r = await outcome(blockVisitor({ ctx: ctx("admin"), input }));
      expect(r.status, JSON.stringify(input)).toBe(400);
      expect(Object.keys(r.fields ?? {}), JSON.stringify(input)).toContain(field);
    }
    expect(await statusOf(c.id)).toBe("active");
    expect(await blocksOf(c.ip!)).toHaveLength(0);
  });
});

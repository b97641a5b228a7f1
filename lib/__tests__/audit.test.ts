import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../db/client";
import { auditLog, conversations, users } from "../../db/schema";
import { createTestDb } from "../../db/testing";
import { createConversation, createStaff, staffCtxFor } from "../../tests/factories";
import { systemCtx, withTransaction } from "../ctx";
import { audit } from "../audit";
import { closeConversation } from "../chat/close-conversation";
import { setLeadStage } from "../chat/set-lead-stage";
import { isAppError } from "../errors";
import { pickConversation, reassignConversation, setStaffConnections, sweepInactiveAgents } from "../routing";
import { recordStrike } from "../security/strikes";
import { signOutStaff } from "../staff/sign-out";
import { updateStaffMember } from "../staff/update-staff";

/** Audit rows are written in the transaction of the change they record: both commit, or neither does. */
let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

const rowsFor = (targetType: string, targetId: string | number) =>
  h.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.targetType, targetType), eq(auditLog.targetId, String(targetId))))
    .orderBy(desc(auditLog.id));

describe("audit rows", () => {
  it("roll back with the change they record", async () => {
    const agent = await createStaff(h.db);
    const { conversation } = await createConversation(h.db, { status: "active", assigneeId: agent.id });
    const err = await withTransaction(staffCtxFor(h.db, agent), async (tx) => {
      await setLeadStage({ ctx: tx, input: { conversationId: conversation.id, stage: "qualified" } });
      await closeConversation({ ctx: tx, input: { conversationId: conversation.id } });
      throw new Error("later step failed");
    }).catch((e) => e);
    expect(err.message).toBe("later step failed");
    expect(await rowsFor("conversation", conversation.id)).toEqual([]);
    const [row] = await h.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(row).toMatchObject({ status: "active", leadStage: "new" });
  });

  it("can't be written outside a transaction", async () => {
    const err = await audit(systemCtx(h.db, "test"), "conversation.close", null).catch((e) => e);
    expect(isAppError(err) && err.code).toBe("internal");
  });

  it("record stage changes and closes with who, when and what", async () => {
    const agent = await createStaff(h.db);
    const { conversation } = await createConversation(h.db, { status: "active", assigneeId: agent.id });
    const now = new Date("2026-03-04T05:06:07Z");
    const ctx = { ...staffCtxFor(h.db, agent, now), ip: "198.51.100.4" };
    await setLeadStage({ ctx, input: { conversationId: conversation.id, stage: "converted" } });
    // Setting the same stage again changes nothing, so it isn't audited twice.
    await setLeadStage({ ctx, input: { conversationId: conversation.id, stage: "converted" } });
    await closeConversation({ ctx, input: { conversationId: conversation.id } });
    const rows = await rowsFor("conversation", conversation.id);
    expect(rows.map((r) => r.action)).toEqual(["conversation.close", "conversation.lead_stage"]);
    expect(rows[1]).toMatchObject({ actorKind: "staff", actorId: agent.id, ip: "198.51.100.4", data: { from: "new", to: "converted" } });
    expect(rows[1].createdAt.toISOString()).toBe(now.toISOString());
    expect(rows[0].data).toEqual({ from: "active", assigneeId: agent.id });
  });

  it("record picks and reassignments", async () => {
    const now = new Date();
    const a = await createStaff(h.db);
    const b = await createStaff(h.db);
    for (const u of [a, b]) await setStaffConnections(h.db, { userId: u.id, instanceId: "audit-test", connections: 1, now });
    const { conversation } = await createConversation(h.db, { status: "queued" });
    await pickConversation({ ctx: staffCtxFor(h.db, a, now), input: { conversationId: conversation.id } });
    const manager = await createStaff(h.db, { role: "manager" });
    await reassignConversation({ ctx: staffCtxFor(h.db, manager, now), input: { conversationId: conversation.id, agentId: b.id } });
    const rows = await rowsFor("conversation", conversation.id);
    expect(rows.map((r) => [r.action, r.actorId, r.data])).toEqual([
      ["conversation.assign", manager.id, { agentId: b.id, previousAgentId: a.id }],
      ["conversation.pick", a.id, { agentId: a.id }],
    ]);
    for (const u of [a, b]) await setStaffConnections(h.db, { userId: u.id, instanceId: "audit-test", connections: 0, now });
  });

  it("record sign-outs, inactivity sign-outs, staff changes and automatic blocks", async () => {
    const agent = await createStaff(h.db);
    await signOutStaff({ ctx: staffCtxFor(h.db, agent), input: { userId: agent.id } });
    expect((await rowsFor("user", agent.id)).map((r) => [r.action, r.actorKind])).toEqual([["auth.sign_out", "staff"]]);

    const idle = await createStaff(h.db, { lastActivityAt: new Date("2026-01-01T00:00:00Z") });
    await createConversation(h.db, { status: "active", assigneeId: idle.id });
    await sweepInactiveAgents({ ctx: systemCtx(h.db, "agent-inactivity", new Date("2026-01-01T00:06:00Z")) });
    expect((await rowsFor("user", idle.id)).map((r) => [r.action, r.actorKind])).toEqual([["auth.inactive_sign_out", "system:agent-inactivity"]]);

    const admin = await createStaff(h.db, { role: "admin" });
    await updateStaffMember({ ctx: staffCtxFor(h.db, admin), input: { userId: agent.id, activeChatLimit: 7, crmEnabled: false } });
    const [change] = await rowsFor("user", agent.id);
    expect(change).toMatchObject({ action: "staff.update", actorId: admin.id, data: { activeChatLimit: { from: 3, to: 7 } } });

    const ip = "192.0.2.201";
    const t0 = new Date("2026-01-01T00:00:00Z");
    for (let i = 0; i < 5; i++) await recordStrike(h.db, ip, "login", new Date(t0.getTime() + i * 1000));
    const [block] = await rowsFor("ip", ip);
    expect(block).toMatchObject({ action: "ip.block", actorKind: "system:strike:login", data: { source: "auto", rule: "login" } });
  });
});

describe("the last active admin", () => {
  it("can't be demoted or disabled", async () => {
    const [only] = await h.db.select().from(users).where(eq(users.role, "admin"));
    // Leave exactly one active admin in this database.
    await h.db.update(users).set({ disabled: true }).where(eq(users.role, "admin"));
    const last = only ?? (await createStaff(h.db, { role: "admin" }));
    await h.db.update(users).set({ disabled: false }).where(eq(users.id, last.id));
    for (const input of [{ role: "manager" as const }, { disabled: true }]) {
      const err = await updateStaffMember({ ctx: staffCtxFor(h.db, last), input: { userId: last.id, ...input } }).catch((e) => e);
      expect(isAppError(err) && err.code, JSON.stringify(input)).toBe("conflict");
    }
    const [still] = await h.db.select().from(users).where(eq(users.id, last.id));
    expect(still).toMatchObject({ role: "admin", disabled: false });
  });

  /**
   * Two admins demote each other at the same moment. Without the lock on the
   * admins' rows both transactions see "another admin remains" and both
   * commit, leaving none; this only shows on PostgreSQL (PGlite has one
   * connection, so there the two run one after the other anyway).
   */
  it("survives two admins demoting each other at once", async () => {
    await h.db.update(users).set({ disabled: true }).where(eq(users.role, "admin"));
    const a = await createStaff(h.db, { role: "admin" });
    const b = await createStaff(h.db, { role: "admin" });
    const results = await Promise.allSettled([
      updateStaffMember({ ctx: staffCtxFor(h.db, a), input: { userId: b.id, role: "manager" } }),
      updateStaffMember({ ctx: staffCtxFor(h.db, b), input: { userId: a.id, role: "manager" } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(isAppError(rejected.reason) && rejected.reason.code).toBe("conflict");
    const admins = await h.db.select().from(users).where(and(eq(users.role, "admin"), eq(users.disabled, false)));
    expect(admins).toHaveLength(1);
  });
});

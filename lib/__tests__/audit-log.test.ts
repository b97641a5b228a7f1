import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../db/client";
import { auditLog, blockedIps, type StaffRole, type users } from "../../db/schema";
import { createTestDb } from "../../db/testing";
import { createStaff, staffCtxFor } from "../../tests/factories";
import { AUDIT_ACTIONS, AUDIT_CATEGORIES, describeAuditAction } from "../audit-labels";
import { AUDIT_COUNT_CAP, auditDetails, listAuditLog } from "../audit-log";
import { parseEnv } from "../env";
import { describeError } from "../errors";
import { refreshIpBlocks } from "../security/ip-blocks";
import { blockAddress, unblockAddress } from "../security-admin";
import { setSingleton } from "../singleton";

/** The closed set of actions as written in lib/audit.ts (the type is erased at run time, so read its source). */
function declaredActions(): string[] {
  const src = readFileSync(path.join(__dirname, "..", "audit.ts"), "utf8");
  const union = /export type AuditAction\s*=([^;]+);/.exec(src);
  if (!union) throw new Error("AuditAction not found in lib/audit.ts");
  return [...union[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

describe("audit action labels", () => {
  const actions = declaredActions();

  it("reads the actions from lib/audit.ts", () => {
    expect(actions.length).toBeGreaterThanOrEqual(18);
    expect(actions).toContain("ip.block");
  });

  it.each(actions)("%s has a human label and a category", (action) => {
    const info = AUDIT_ACTIONS[action];
    expect(info, `add "${action}" to AUDIT_ACTIONS in lib/audit-labels.ts`).toBeDefined();
    expect(info!.label.length).toBeGreaterThan(3);
    expect(info!.label).not.toContain(".");
    expect(Object.keys(AUDIT_CATEGORIES)).toContain(info!.category);
    expect(info!.category).not.toBe("other");
  });

  it("labels no action that doesn't exist", () => {
    expect(Object.keys(AUDIT_ACTIONS).filter((a) => !actions.includes(a))).toEqual([]);
  });

  it("covers the categories the brief names", () => {
    const used = new Set(Object.values(AUDIT_ACTIONS).map((i) => i!.category));
    for (const c of ["blocks", "assignments", "staff", "sign_outs", "passwords", "settings"] as const) expect(used).toContain(c);
  });

  it("still names an action that has no label yet", () => {
    expect(describeAuditAction("project.set_default")).toEqual({ label: "Project set default", category: "projects" });
  });

  it("turns an entry's data into lines a person reads", () => {
    expect(
      auditDetails({ blockId: 4, reason: "spam", expiresAt: null, changes: { "login.limit": { from: 5, to: 6 } }, role: { from: "agent", to: "manager" }, added: [], on: true }),
    ).toEqual([
      { key: "Reason", value: "spam" },
      { key: "Expires at", value: "—" },
      { key: "Login limit", value: "5 → 6" },
      { key: "Role", value: "agent → manager" },
      { key: "Added", value: "none" },
      { key: "On", value: "yes" },
    ]);
  });
});

let h: DbHandle;
type User = typeof users.$inferSelect;
const staff: Partial<Record<StaffRole, User>> = {};
const T0 = new Date("2026-05-10T12:00:00.000Z").getTime();
const DAY = 24 * 3600_000;
const at = (ms = 0) => new Date(T0 + ms);
const ctx = (role: StaffRole, now = at()) => ({ ...staffCtxFor(h.db, staff[role]!, now), ip: "192.0.2.250" });
const status = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (err) {
    return describeError(err).status;
  }
};

describe("listAuditLog", () => {
  beforeAll(async () => {
    setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-audit-log"), SESSION_SECRET: "a".repeat(40) } as unknown as NodeJS.ProcessEnv));
    setSingleton("rate-limiters", undefined);
    h = await createTestDb();
    for (const role of ["admin", "manager", "agent", "qa"] as const) staff[role] = await createStaff(h.db, { role, displayName: `The ${role}` });
  });
  afterEach(async () => {
    await h.db.delete(auditLog);
    await h.db.delete(blockedIps);
    await refreshIpBlocks(h.db, at());
  });
  afterAll(async () => {
    setSingleton("env", undefined);
    await h?.close();
  });

  const row = (o: { action: string; day: number; actor?: User | "system"; target?: { type: string; id: string }; data?: Record<string, unknown> }) =>
    h.db.insert(auditLog).values({
      action: o.action,
      actorKind: o.actor === "system" ? "system:sweeper" : "staff",
      actorId: o.actor === "system" ? null : (o.actor ?? staff.admin!).id,
      targetType: o.target?.type ?? null,
      targetId: o.target?.id ?? null,
      data: o.data ?? {},
      createdAt: at(o.day * DAY),
    });

  it("is for admins and managers (security.view)", async () => {
    for (const role of ["admin", "manager"] as const) expect(await status(listAuditLog({ ctx: ctx(role), input: {} }))).toBe(200);
    for (const role of ["agent", "qa"] as const) expect(await status(listAuditLog({ ctx: ctx(role), input: {} }))).toBe(403);
  });

  it("shows a block and its unblock with the operator, the address and the reason", async () => {
    const { result } = await blockAddress({ ctx: ctx("manager"), input: { address: "203.0.113.44", reason: "abusive visitor" } });
    await unblockAddress({ ctx: ctx("admin"), input: { id: result.id } });
    const page = await listAuditLog({ ctx: ctx("manager"), input: { category: "blocks" } });
    expect(page.items.map((e) => [e.action, e.label, e.actor.name, e.target?.label])).toEqual([
      ["ip.unblock", "Unblocked an address", "The admin", "203.0.113.44"],
      ["ip.block", "Blocked an address", "The manager", "203.0.113.44"],
    ]);
    const block = page.items[1];
    expect(block.actor).toEqual({ kind: "staff", id: staff.manager!.id, name: "The manager" });
    expect(block.category).toBe("blocks");
    expect(block.details).toContainEqual({ key: "Reason", value: "abusive visitor" });
    expect(block.details.some((d) => d.key === "Block id")).toBe(false);
    expect(block.ip).toBe("192.0.2.250");
  });

  it("filters by category, action, actor, target and dates", async () => {
    await row({ action: "conversation.assign", day: -3, actor: staff.manager, target: { type: "conversation", id: "77" }, data: { agentId: 5 } });
    await row({ action: "staff.update", day: -2, target: { type: "user", id: String(staff.agent!.id) }, data: { activeChatLimit: { from: 3, to: 5 } } });
    await row({ action: "staff.password_reset", day: -1, actor: staff.manager, target: { type: "user", id: String(staff.qa!.id) } });
    await row({ action: "auth.inactive_sign_out", day: 0, actor: "system", target: { type: "user", id: String(staff.agent!.id) } });
    await row({ action: "ip.block", day: 0, target: { type: "ip", id: "203.0.113.7" }, data: { reason: "x" } });

    const all = await listAuditLog({ ctx: ctx("admin"), input: {} });
    expect(all.total).toBe(5);
    expect(all.totalCapped).toBe(false);
    expect(all.items.map((e) => e.action)).toEqual(["ip.block", "auth.inactive_sign_out", "staff.password_reset", "staff.update", "conversation.assign"]);
    expect(all.items[1].actor).toEqual({ kind: "system", name: "System (sweeper)" });
    expect(all.items[3].target).toEqual({ type: "user", id: String(staff.agent!.id), label: "The agent" });
    expect(all.items[3].details).toEqual([{ key: "Active chat limit", value: "3 → 5" }]);
    expect(all.items[4].target).toEqual({ type: "conversation", id: "77", label: "Chat #77" });

    const pick = async (input: Record<string, unknown>) => (await listAuditLog({ ctx: ctx("admin"), input })).items.map((e) => e.action);
    expect(await pick({ category: "assignments" })).toEqual(["conversation.assign"]);
    expect(await pick({ category: "staff" })).toEqual(["staff.update"]);
    expect(await pick({ category: "passwords" })).toEqual(["staff.password_reset"]);
    expect(await pick({ category: "sign_outs" })).toEqual(["auth.inactive_sign_out"]);
    expect(await pick({ category: "projects" })).toEqual([]);
    expect(await pick({ action: "staff.update" })).toEqual(["staff.update"]);
    expect(await pick({ actor: "the MANAGER" })).toEqual(["staff.password_reset", "conversation.assign"]);
    expect(await pick({ actorId: String(staff.admin!.id) })).toEqual(["ip.block", "staff.update"]);
    expect(await pick({ target: String(staff.agent!.id), targetType: "user" })).toEqual(["auth.inactive_sign_out", "staff.update"]);
    expect(await pick({ target: "203.0.113.7" })).toEqual(["ip.block"]);
    // A day is that whole UTC day; an instant is exact.
    expect(await pick({ from: "2026-05-08", to: "2026-05-09" })).toEqual(["staff.password_reset", "staff.update"]);
    expect(await pick({ from: at(-1 * DAY).toISOString() })).toEqual(["ip.block", "auth.inactive_sign_out", "staff.password_reset"]);
    expect(await pick({ to: "2026-05-07" })).toEqual(["conversation.assign"]);
  });

  it("pages by keyset both ways", async () => {
    await h.db.execute(sql`
      insert into audit_log (actor_kind, actor_id, action, data, created_at)
      select 'staff', ${staff.admin!.id}, 'staff.update', '{}'::jsonb, ${at().toISOString()}::timestamptz - (g / 2) * interval '1 minute'
      from generate_series(1, 45) g`);
    const one = await listAuditLog({ ctx: ctx("admin"), input: { limit: "20" } });
    const two = await listAuditLog({ ctx: ctx("admin"), input: { limit: "20", after: one.next! } });
    const three = await listAuditLog({ ctx: ctx("admin"), input: { limit: "20", after: two.next! } });
    expect([one.from, two.from, three.from, three.items.length, three.next]).toEqual([1, 21, 41, 5, null]);
    expect(new Set([...one.items, ...two.items, ...three.items].map((e) => e.id)).size).toBe(45);
    const back = await listAuditLog({ ctx: ctx("admin"), input: { limit: "20", before: three.prev! } });
    expect(back.items.map((e) => e.id)).toEqual(two.items.map((e) => e.id));
  });

  it("counts at most AUDIT_COUNT_CAP entries and says so", async () => {
    await h.db.execute(sql`
      insert into audit_log (actor_kind, action, data, created_at)
      select 'system:test', 'auth.inactive_sign_out', '{}'::jsonb, ${at().toISOString()}::timestamptz
      from generate_series(1, ${AUDIT_COUNT_CAP + 5}) g`);
    const page = await listAuditLog({ ctx: ctx("admin"), input: {} });
    expect([page.total, page.totalCapped, page.items.length]).toEqual([AUDIT_COUNT_CAP, true, 20]);
    const few = await listAuditLog({ ctx: ctx("admin"), input: { category: "blocks" } });
    expect([few.total, few.totalCapped]).toEqual([0, false]);
  });

  it("refuses bad filters with 400 and field errors", async () => {
    const bad = [{ category: "people" }, { action: "drop table" }, { actorId: "x" }, { from: "yesterday" }, { from: "2026-05-09", to: "2026-05-01" }, { targetType: "room" }, { before: "!!" }, { extra: 1 }];
    for (const input of bad) expect(await status(listAuditLog({ ctx: ctx("admin"), input })), JSON.stringify(input)).toBe(400);
    try {
      await listAuditLog({ ctx: ctx("admin"), input: { from: "2026-05-09", to: "2026-05-01" } });
    } catch (err) {
      expect(describeError(err).body.error.fields).toEqual({ to: "The start date must be on or before the end date." });
    }
  });
});

import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, conversations, staffPresence, users } from "../../../db/schema";
import { createConversation, createStaff, FACTORY_PASSWORD, isolateRouting, staffCtxFor } from "../../../tests/factories";
import { wsHarness } from "../../../tests/ws-harness";
import { verifyPassword } from "../../auth/password";
import { CLOSE } from "../../constants";
import type { StaffCtx } from "../../ctx";
import { applyEffects } from "../../effects";
import { describeError, isAppError } from "../../errors";
import { createStaffMember } from "../create-staff";
import { forceSignOutStaff } from "../force-sign-out";
import { listStaff, type StaffListPage } from "../list-staff";
import { resetStaffPassword } from "../reset-password";
import { updateStaffMember } from "../update-staff";

/**
 * The Agents and Staff pages' verbs on a real database, with a real ws hub
 * (tests/ws-harness.ts) so "ends their sessions" is checked on an open socket.
 * Run on PGlite and on PostgreSQL (TEST_DATABASE_URL): the two race tests
 * below only race on PostgreSQL, where transactions run concurrently.
 */
const ws = wsHarness();
const db = () => ws.state.h.db;
beforeAll(() => ws.start());
afterAll(() => ws.stop());

const STRONG = "violet anchor gravel 97";
let n = 0;
const uniq = () => `${Date.now().toString(36)}${++n}`;
function newAgent(over: Record<string, unknown> = {}) {
  const u = uniq();
  return { role: "agent", displayName: `Nia ${u}`, email: `nia.${u}@example.test`, username: `nia_${u}`, password: STRONG, ...over };
}

async function fail(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err, "expected the call to be refused").not.toBeNull();
  return { err, ...describeError(err) };
}

async function reload(id: number) {
  const [u] = await db().select().from(users).where(eq(users.id, id));
  return u;
}

const auditOf = (id: number) =>
  db()
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.targetType, "user"), eq(auditLog.targetId, String(id))))
    .orderBy(desc(auditLog.id));

async function as(role: "admin" | "manager" | "agent" | "qa"): Promise<StaffCtx> {
  return { ...staffCtxFor(db(), await createStaff(db(), { role })), ip: "198.51.100.30" };
}

describe("createStaffMember", () => {
  it("adds an agent with limits and toggles who can sign in with that password, audited staff.create", async () => {
    const admin = await as("admin");
    const input = newAgent({ activeChatLimit: 4, offlineChatLimit: 2, liveChatEnabled: true, crmEnabled: true, email: `Mixed.${uniq()}@Example.TEST` });
    const { result } = await createStaffMember({ ctx: admin, input });
    const row = await reload(result.userId);
    expect(row).toMatchObject({ role: "agent", displayName: input.displayName, email: String(input.email).toLowerCase(), activeChatLimit: 4, offlineChatLimit: 2, crmEnabled: true, disabled: false });
    expect(await verifyPassword(STRONG, row.passwordHash)).toBe(true);
    const [a] = await auditOf(result.userId);
    expect(a).toMatchObject({ action: "staff.create", actorId: admin.actor.userId, data: { role: "agent", email: row.email, activeChatLimit: 4 } });
    expect(JSON.stringify(a.data)).not.toContain(STRONG);
  });

  it("answers bad fields with a 400 naming each field, and writes nothing", async () => {
    const admin = await as("admin");
    const before = (await db().select().from(users)).length;
    const bad = await fail(
      createStaffMember({ ctx: admin, input: newAgent({ email: "not-an-email", username: "a@b", activeChatLimit: 101, offlineChatLimit: -1, displayName: " " }) }),
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields ?? {}).sort()).toEqual(["activeChatLimit", "displayName", "email", "offlineChatLimit", "username"]);

    // A guessable password, or one made of the person's own name, is refused next to the password field.
    for (const password of ["password123", "quincyadams1", "short"]) {
      const weak = await fail(createStaffMember({ ctx: admin, input: newAgent({ displayName: "Quincy Adams", password }) }));
      expect(weak.status, password).toBe(400);
      expect(weak.body.error.fields?.password, password).toBeTruthy();
    }
    const unknown = await fail(createStaffMember({ ctx: admin, input: { ...newAgent(), isAdmin: true } }));
    expect(unknown.status).toBe(400);
    expect((await db().select().from(users)).length).toBe(before);
  });

  it("refuses a duplicate email or username (any case) with 409 and the field", async () => {
    const admin = await as("admin");
    const first = newAgent();
    await createStaffMember({ ctx: admin, input: first });
    const email = await fail(createStaffMember({ ctx: admin, input: newAgent({ email: String(first.email).toUpperCase() }) }));
    expect(email.status).toBe(409);
    expect(email.body.error.fields).toEqual({ email: expect.stringMatching(/already uses this email/) });
    const username = await fail(createStaffMember({ ctx: admin, input: newAgent({ username: String(first.username).toUpperCase() }) }));
    expect(username.body.error.fields).toEqual({ username: expect.stringMatching(/already uses this username/) });
  });

  /**
   * Two admins add the same person at the same moment. On PostgreSQL both
   * pre-checks see no such email and both insert; the unique index refuses
   * one, and that refusal must come back as the same 409 with the field —
   * without identityConflict() it is a raw database error (a 500).
   */
  it("two admins adding the same email at once: one is created, the other gets the field's 409", async () => {
    const [a, b] = [await as("admin"), await as("admin")];
    const email = `twin.${uniq()}@example.test`;
    const results = await Promise.allSettled([
      createStaffMember({ ctx: a, input: newAgent({ email }) }),
      createStaffMember({ ctx: b, input: newAgent({ email }) }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const { reason } = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(describeError(reason)).toMatchObject({ status: 409, body: { error: { fields: { email: expect.any(String) } } } });
    expect(await db().select().from(users).where(eq(users.email, email))).toHaveLength(1);
  });

  it("follows the policy: managers add agents, managers and QA but never an admin; agents and QA add no one", async () => {
    const manager = await as("manager");
    for (const role of ["agent", "manager", "qa"]) {
      const { result } = await createStaffMember({ ctx: manager, input: newAgent({ role }) });
      expect((await reload(result.userId)).role).toBe(role);
    }
    expect((await fail(createStaffMember({ ctx: manager, input: newAgent({ role: "admin" }) }))).status).toBe(403);
    for (const role of ["agent", "qa"] as const) {
      expect((await fail(createStaffMember({ ctx: await as(role), input: newAgent() }))).status, role).toBe(403);
    }
    const { result } = await createStaffMember({ ctx: await as("admin"), input: newAgent({ role: "admin" }) });
    expect((await reload(result.userId)).role).toBe("admin");
  });
});

describe("updateStaffMember: names, identity and the version", () => {
  it("edits display name, email and username, audited with from/to", async () => {
    const admin = await as("admin");
    const agent = await createStaff(db());
    const u = uniq();
    await updateStaffMember({
      ctx: admin,
      input: { userId: agent.id, displayName: "Renamed Agent", email: `renamed.${u}@example.test`, username: `renamed_${u}`, version: agent.updatedAt.toISOString() },
    });
    expect(await reload(agent.id)).toMatchObject({ displayName: "Renamed Agent", email: `renamed.${u}@example.test`, username: `renamed_${u}` });
    const [a] = await auditOf(agent.id);
    expect(a).toMatchObject({ action: "staff.update", data: { displayName: { from: agent.displayName, to: "Renamed Agent" } } });
  });

  it("refuses a save made from a stale copy with 409 and changes nothing", async () => {
    const admin = await as("admin");
    const agent = await createStaff(db());
    const stale = agent.updatedAt.toISOString();
    await updateStaffMember({ ctx: { ...admin, now: new Date(Date.now() + 1000) }, input: { userId: agent.id, activeChatLimit: 6, version: stale } });
    const second = await fail(updateStaffMember({ ctx: admin, input: { userId: agent.id, displayName: "Overwrite", version: stale } }));
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/Someone else changed this/);
    // Said as the version field's error, so a form tells it apart from other conflicts (the last admin).
    expect(second.body.error.fields).toEqual({ version: second.body.error.message });
    expect(await reload(agent.id)).toMatchObject({ activeChatLimit: 6, displayName: agent.displayName });
  });

  /**
   * Two admins save the same copy at once. The version is compared under the
   * locks updateStaffMember already takes (the routing lock, then the row's
   * FOR UPDATE), so on PostgreSQL the second transaction waits, then sees the
   * first one's updatedAt; compared before locking, both would pass and the
   * second would silently overwrite the first.
   */
  it("two admins saving the same copy at once: one saves, the other is told to reload", async () => {
    const [a, b] = [await as("admin"), await as("admin")];
    const agent = await createStaff(db());
    const version = agent.updatedAt.toISOString();
    const later = new Date(agent.updatedAt.getTime() + 5000);
    const results = await Promise.allSettled([
      updateStaffMember({ ctx: { ...a, now: later }, input: { userId: agent.id, displayName: "From A", version } }),
      updateStaffMember({ ctx: { ...b, now: later }, input: { userId: agent.id, displayName: "From B", version } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const { reason } = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(isAppError(reason) && reason.code).toBe("conflict");
    expect(["From A", "From B"]).toContain((await reload(agent.id)).displayName);
  });

  it("refuses someone else's email or username with the field's 409", async () => {
    const admin = await as("admin");
    const [x, y] = [await createStaff(db()), await createStaff(db())];
    expect((await fail(updateStaffMember({ ctx: admin, input: { userId: x.id, email: y.email.toUpperCase() } }))).body.error.fields).toHaveProperty("email");
    expect((await fail(updateStaffMember({ ctx: admin, input: { userId: x.id, username: y.username } }))).body.error.fields).toHaveProperty("username");
    // Keeping one's own is fine.
    await updateStaffMember({ ctx: admin, input: { userId: x.id, email: x.email, username: x.username } });
  });

  it("managers can't edit an admin or promote anyone to admin", async () => {
    const manager = await as("manager");
    const admin = await createStaff(db(), { role: "admin" });
    const agent = await createStaff(db());
    expect((await fail(updateStaffMember({ ctx: manager, input: { userId: admin.id, displayName: "Demoted?" } }))).status).toBe(403);
    expect((await fail(updateStaffMember({ ctx: manager, input: { userId: agent.id, role: "admin" } }))).status).toBe(403);
    expect((await reload(admin.id)).displayName).toBe(admin.displayName);
    expect((await reload(agent.id)).role).toBe("agent");
    // What they may do: edit an agent, make an agent QA.
    await updateStaffMember({ ctx: manager, input: { userId: agent.id, displayName: "Still Agent", role: "qa" } });
    expect(await reload(agent.id)).toMatchObject({ displayName: "Still Agent", role: "qa" });
  });
});

describe("listStaff", () => {
  const tag = `pg${uniq()}`;
  const names = Array.from({ length: 25 }, (_, i) => `${tag} ${String(i).padStart(2, "0")}`);

  beforeAll(async () => {
    // Mixed case: the list sorts by name case-insensitively.
    for (const [i, displayName] of names.entries()) await createStaff(db(), { displayName: i % 2 ? displayName.toUpperCase() : displayName });
  });

  const ids = (p: StaffListPage) => p.items.map((r) => r.displayName.toLowerCase());

  it("pages by name with Prev/Next cursors and an X–Y of Z position", async () => {
    const ctx = await as("admin");
    const p1 = await listStaff({ ctx, input: { kind: "agents", q: tag, limit: "20" } });
    expect(p1).toMatchObject({ total: 25, from: 1, prev: null });
    expect(ids(p1)).toEqual(names.slice(0, 20));
    const p2 = await listStaff({ ctx, input: { kind: "agents", q: tag, limit: "20", after: p1.next } });
    expect(p2).toMatchObject({ total: 25, from: 21, next: null });
    expect(ids(p2)).toEqual(names.slice(20));
    const back = await listStaff({ ctx, input: { kind: "agents", q: tag, limit: "20", before: p2.prev } });
    expect(back).toMatchObject({ from: 1, prev: null });
    expect(ids(back)).toEqual(names.slice(0, 20));
    expect(back.next).toBeTruthy();
  });

  it("keeps agents and other staff apart, filters by status and role, and escapes search wildcards", async () => {
    const ctx = await as("admin");
    const qa = await createStaff(db(), { role: "qa", displayName: `${tag} qa` });
    const off = await createStaff(db(), { displayName: `${tag} off`, disabled: true });
    const agents = await listStaff({ ctx, input: { kind: "agents", q: tag, limit: 100 } });
    expect(agents.items.map((r) => r.role)).not.toContain("qa");
    expect(agents.items.map((r) => r.id)).toContain(off.id);
    const staff = await listStaff({ ctx, input: { kind: "staff", q: tag } });
    expect(staff.items.map((r) => r.id)).toEqual([qa.id]);
    expect((await listStaff({ ctx, input: { kind: "agents", q: tag, status: "disabled" } })).items.map((r) => r.id)).toEqual([off.id]);
    expect((await listStaff({ ctx, input: { kind: "staff", q: tag, role: "manager" } })).total).toBe(0);
    expect((await listStaff({ ctx, input: { kind: "agents", q: "%" } })).total).toBe(0);
  });

  it("shows presence and load: online, in grace, on break, offline, and active/parked chats", async () => {
    const ctx = await as("admin");
    const now = ctx.now;
    const p = `pres${uniq()}`;
    const online = await createStaff(db(), { displayName: `${p} a online` });
    const grace = await createStaff(db(), { displayName: `${p} b grace`, offlineSince: new Date(now.getTime() - 5_000) });
    const onBreak = await createStaff(db(), { displayName: `${p} c break`, onBreak: true });
    const offline = await createStaff(db(), { displayName: `${p} d offline`, offlineSince: new Date(now.getTime() - 60_000) });
    for (const u of [online, onBreak]) await db().insert(staffPresence).values({ userId: u.id, instanceId: "list-test", connections: 1, heartbeatAt: now });
    await createConversation(db(), { status: "active", assigneeId: online.id });
    await createConversation(db(), { status: "offline", assigneeId: online.id });
    const page = await listStaff({ ctx, input: { kind: "agents", q: p } });
    expect(page.items.map((r) => r.presence)).toEqual(["online", "grace", "break", "offline"]);
    expect(page.items[0]).toMatchObject({ activeCount: 1, activeChatLimit: 3, offlineCount: 1, offlineChatLimit: 5 });
  });

  it("tells the viewer what they may do: a manager sees admins but can't act on them, nor on themselves", async () => {
    const ctx = await as("manager");
    const admin = await createStaff(db(), { role: "admin", displayName: `${tag} admin` });
    const page = await listStaff({ ctx, input: { kind: "staff", q: tag } });
    const row = page.items.find((r) => r.id === admin.id)!;
    expect(row.rights).toEqual({ edit: false, changeRole: false, resetPassword: false, signOut: false, disable: false });
    expect(page.assignableRoles).toEqual(["manager", "agent", "qa"]);
    const self = (await listStaff({ ctx, input: { kind: "staff", q: ctx.actor.displayName } })).items.find((r) => r.id === ctx.actor.userId)!;
    expect(self.rights).toMatchObject({ edit: true, resetPassword: false, signOut: false, disable: false });
  });

  it("refuses forged cursors, other page sizes and viewers without the permission", async () => {
    const ctx = await as("admin");
    for (const input of [{ kind: "agents", after: "bm90LWpzb24" }, { kind: "agents", after: "x".repeat(600) }, { kind: "agents", limit: 30 }, { kind: "everyone" }]) {
      expect((await fail(listStaff({ ctx, input }))).status, JSON.stringify(input)).toBe(400);
    }
    for (const role of ["agent", "qa"] as const) expect((await fail(listStaff({ ctx: await as(role), input: { kind: "agents" } }))).status).toBe(403);
  });
});

describe("resetStaffPassword and forceSignOutStaff", () => {
  // Earlier tests' agents are disabled, so a released chat stays queued instead of going to one of them.
  beforeEach(() => isolateRouting(db()));

  async function agentOnline() {
    const agent = await createStaff(db());
    const { conversation } = await createConversation(db(), { status: "active", assigneeId: agent.id });
    const socket = await ws.staffClient(agent);
    await ws.presenceWritten(agent.id);
    return { agent, conversation, socket };
  }

  it("a reset password ends the agent's sessions: their socket closes, their chat is queued, only the new password works", async () => {
    const admin = await as("admin");
    const { agent, conversation, socket } = await agentOnline();
    const out = await resetStaffPassword({ ctx: admin, input: { userId: agent.id, password: STRONG } });
    await applyEffects(admin, out.effects);
    expect((await socket.closed).code).toBe(CLOSE.signedOut);
    const row = await reload(agent.id);
    expect(row.sessionVersion).toBe(agent.sessionVersion + 1);
    expect(await verifyPassword(STRONG, row.passwordHash)).toBe(true);
    expect(await verifyPassword(FACTORY_PASSWORD, row.passwordHash)).toBe(false);
    const [chat] = await db().select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(chat).toMatchObject({ status: "queued", assigneeId: null });
    expect((await auditOf(agent.id)).map((a) => [a.action, a.actorId])).toEqual([
      ["staff.password_reset", admin.actor.userId],
      ["auth.sign_out", admin.actor.userId],
    ]);
    // The old cookie opens no socket any more.
    await expect(ws.staffClient(agent)).rejects.toMatchObject({ status: 401 });
  });

  it("refuses a weak password (field error), one's own password, and a manager resetting an admin's", async () => {
    const admin = await as("admin");
    const agent = await createStaff(db(), { displayName: "Quincy Adams" });
    const weak = await fail(resetStaffPassword({ ctx: admin, input: { userId: agent.id, password: "quincyadams1" } }));
    expect(weak.status).toBe(400);
    expect(weak.body.error.fields).toHaveProperty("password");
    expect((await fail(resetStaffPassword({ ctx: admin, input: { userId: admin.actor.userId, password: STRONG } }))).status).toBe(403);
    const otherAdmin = await createStaff(db(), { role: "admin" });
    expect((await fail(resetStaffPassword({ ctx: await as("manager"), input: { userId: otherAdmin.id, password: STRONG } }))).status).toBe(403);
    expect((await fail(resetStaffPassword({ ctx: admin, input: { userId: 2_000_000_000, password: STRONG } }))).status).toBe(404);
    expect((await reload(agent.id)).sessionVersion).toBe(agent.sessionVersion);
  });

  it("force-logout closes the socket and releases the chats; a manager can't force an admin out", async () => {
    const manager = await as("manager");
    const { agent, conversation, socket } = await agentOnline();
    const out = await forceSignOutStaff({ ctx: manager, input: { userId: agent.id } });
    await applyEffects(manager, out.effects);
    expect(out.result.released).toBe(1);
    expect((await socket.closed).code).toBe(CLOSE.signedOut);
    const [chat] = await db().select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(chat.status).toBe("queued");
    const [a] = await auditOf(agent.id);
    expect(a).toMatchObject({ action: "auth.sign_out", actorId: manager.actor.userId, data: { reason: "forced" } });

    const admin = await createStaff(db(), { role: "admin" });
    expect((await fail(forceSignOutStaff({ ctx: manager, input: { userId: admin.id } }))).status).toBe(403);
    expect((await reload(admin.id)).sessionVersion).toBe(admin.sessionVersion);
  });
});

import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, users } from "../../../db/schema";
import { createStaff, FACTORY_PASSWORD, staffCtxFor } from "../../../tests/factories";
import { wsHarness } from "../../../tests/ws-harness";
import { verifyPassword } from "../../auth/password";
import { CLOSE } from "../../constants";
import { applyEffects } from "../../effects";
import { describeError, isAppError } from "../../errors";
import { changeOwnPassword } from "../change-password";

/** Changing one's own password, on a real database with a real hub (the open socket of the old session closes). */
const ws = wsHarness();
const db = () => ws.state.h.db;
beforeAll(() => ws.start());
afterAll(() => ws.stop());

const NEW = "marble tundra whistle 42";
let ipSeq = 0;
/** Each test guesses from an address of its own: wrong guesses are sign-in strikes. */
const freshIp = () => `198.51.100.${100 + ++ipSeq}`;

async function reload(id: number) {
  const [u] = await db().select().from(users).where(eq(users.id, id));
  return u;
}

async function refused(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err).not.toBeNull();
  return { err, ...describeError(err) };
}

describe("changeOwnPassword", () => {
  it("with the current password: the new one works, the old session generation ends and its socket closes, audited", async () => {
    const agent = await createStaff(db());
    const socket = await ws.staffClient(agent);
    const ctx = { ...staffCtxFor(db(), agent), ip: freshIp() };
    const { result, effects } = await changeOwnPassword({ ctx, input: { currentPassword: FACTORY_PASSWORD, newPassword: NEW } });
    await applyEffects(ctx, effects);
    expect((await socket.closed).code).toBe(CLOSE.signedOut);
    const row = await reload(agent.id);
    expect(result).toEqual({ userId: agent.id, sessionVersion: agent.sessionVersion + 1 });
    expect(row.sessionVersion).toBe(result.sessionVersion);
    expect(await verifyPassword(NEW, row.passwordHash)).toBe(true);
    await expect(ws.staffClient(agent)).rejects.toMatchObject({ status: 401 });
    // A cookie of the new generation (what the route issues to this device) works.
    const again = await ws.staffClient(row);
    expect(again.ws.readyState).toBe(again.ws.OPEN);
    const audits = await db().select().from(auditLog).where(eq(auditLog.targetId, String(agent.id)));
    expect(audits.map((a) => [a.action, a.actorId])).toContainEqual(["staff.password_change", agent.id]);
  });

  it("a wrong current password is a field error and changes nothing; the fifth blocks the address like failed sign-ins", async () => {
    const admin = await createStaff(db(), { role: "admin" });
    const ctx = { ...staffCtxFor(db(), admin), ip: freshIp() };
    for (let i = 0; i < 4; i++) {
      const wrong = await refused(changeOwnPassword({ ctx, input: { currentPassword: `not it ${i}`, newPassword: NEW } }));
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.fields).toEqual({ currentPassword: "That isn't your current password." });
    }
    const fifth = await refused(changeOwnPassword({ ctx, input: { currentPassword: "not it 5", newPassword: NEW } }));
    expect(isAppError(fifth.err) && fifth.err.code).toBe("blocked");
    // Blocked now, even with the right password.
    const blocked = await refused(changeOwnPassword({ ctx, input: { currentPassword: FACTORY_PASSWORD, newPassword: NEW } }));
    expect(isAppError(blocked.err) && blocked.err.code).toBe("blocked");
    const row = await reload(admin.id);
    expect(row.sessionVersion).toBe(admin.sessionVersion);
    expect(await verifyPassword(FACTORY_PASSWORD, row.passwordHash)).toBe(true);
  });

  it("refuses a new password that is weak, the same as the current one, or missing", async () => {
    const qa = await createStaff(db(), { role: "qa", displayName: "Quincy Adams" });
    const ctx = { ...staffCtxFor(db(), qa), ip: freshIp() };
    for (const [newPassword, field] of [
      ["quincyadams1", /name, email or username/],
      [FACTORY_PASSWORD, /different from your current one/],
      ["", /Enter a password/],
    ] as const) {
      const r = await refused(changeOwnPassword({ ctx, input: { currentPassword: FACTORY_PASSWORD, newPassword } }));
      expect(r.status, newPassword).toBe(400);
      expect(r.body.error.fields?.newPassword, newPassword).toMatch(field);
    }
    expect((await refused(changeOwnPassword({ ctx, input: { newPassword: NEW } }))).body.error.fields).toHaveProperty("currentPassword");
    expect((await reload(qa.id)).sessionVersion).toBe(qa.sessionVersion);
  });
});

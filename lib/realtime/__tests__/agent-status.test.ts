import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversations } from "../../../db/schema";
import { createConversation, createStaff, staffCtxFor } from "../../../tests/factories";
import type { Frame } from "../../../tests/ws-client";
import { wsHarness } from "../../../tests/ws-harness";
import { systemCtx } from "../../ctx";
import { applyEffects } from "../../effects";
import { drainQueue, setOnBreak, sweepAgentGrace } from "../../routing";
import { AGENT_GRACE_MS } from "../../routing/constants";
import { updateStaffMember } from "../../staff/update-staff";
import { room } from "../protocol";

/**
 * Supervisors (admin, manager, QA) hear every agent's presence and load live:
 * an `agent` frame when an agent connects, takes a chat, goes on break,
 * disconnects (grace) and when the grace runs out. Agents never get them.
 */
const ws = wsHarness();
const db = () => ws.state.h.db;
beforeAll(() => ws.start());
afterAll(() => ws.stop());

type Client = Awaited<ReturnType<typeof ws.staffClient>>;
const agentFrame = (c: Client, id: number, match: (a: Record<string, unknown>) => boolean) =>
  c.next((f) => f.type === "agent" && (f.agent as { id: number }).id === id && match(f.agent as Record<string, unknown>));
const agentFrames = (c: Client) => c.frames.filter((f: Frame) => f.type === "agent");

describe("the agent frame", () => {
  it("reaches admins and QA on connect, assignment, break, disconnect and grace expiry — never another agent", async () => {
    const admin = await ws.staffClient(await createStaff(db(), { role: "admin" }));
    const qa = await ws.staffClient(await createStaff(db(), { role: "qa" }));
    // On break, so the queue's chat below goes to Ada.
    const colleague = await ws.staffClient(await createStaff(db(), { role: "agent", displayName: "Colleague", onBreak: true }));
    const ada = await createStaff(db(), { role: "agent", displayName: "Ada", activeChatLimit: 2 });

    // Connects: online.
    const adaSocket = await ws.staffClient(ada);
    expect(await agentFrame(admin, ada.id, (a) => a.presence === "online")).toMatchObject({
      agent: { id: ada.id, displayName: "Ada", presence: "online", activeCount: 0, activeLimit: 2, disabled: false },
    });
    await agentFrame(qa, ada.id, (a) => a.presence === "online");

    // Takes a chat from the queue: her load goes up.
    const { conversation } = await createConversation(db());
    await db().update(conversations).set({ queuedAt: new Date() }).where(eq(conversations.id, conversation.id));
    const drained = await drainQueue({ ctx: systemCtx(db(), "test") });
    expect(drained.result.map((a) => a.conversationId)).toContain(conversation.id);
    await applyEffects(systemCtx(db(), "test"), drained.effects);
    await agentFrame(admin, ada.id, (a) => a.activeCount === 1);

    // Goes on break.
    const adaCtx = staffCtxFor(db(), ada);
    const brk = await setOnBreak({ ctx: adaCtx, input: { onBreak: true } });
    await applyEffects(adaCtx, brk.effects);
    await agentFrame(admin, ada.id, (a) => a.presence === "break");
    const back = await setOnBreak({ ctx: adaCtx, input: { onBreak: false } });
    await applyEffects(adaCtx, back.effects);
    await agentFrame(admin, ada.id, (a) => a.presence === "online");

    // Closes her console: the 30 s grace starts.
    adaSocket.ws.close();
    const grace = await agentFrame(admin, ada.id, (a) => a.presence === "grace");
    expect((grace.agent as { graceEndsAt: string }).graceEndsAt).toBeTruthy();

    // The grace runs out: the sweeper releases her chat and says she is offline, with no load left.
    const later = new Date(Date.parse((grace.agent as { graceEndsAt: string }).graceEndsAt) + 1_000);
    const swept = await sweepAgentGrace({ ctx: systemCtx(db(), "agent-grace", later) });
    expect(swept.effects.agentsChanged).toContain(ada.id);
    await applyEffects(systemCtx(db(), "agent-grace", later), swept.effects);
    await agentFrame(admin, ada.id, (a) => a.presence === "offline" && a.activeCount === 0);

    // A sweep long after announces nobody again.
    const much = new Date(later.getTime() + 10 * AGENT_GRACE_MS);
    expect((await sweepAgentGrace({ ctx: systemCtx(db(), "agent-grace", much) })).effects.agentsChanged).not.toContain(ada.id);

    // The other agent heard none of it (a ping round trip: anything sent before the pong is in).
    await colleague.sync();
    expect(agentFrames(colleague)).toEqual([]);
  });

  it("a staff edit is announced (new limits; disabled), to supervisors' sockets only", async () => {
    const adminUser = await createStaff(db(), { role: "admin" });
    const admin = await ws.staffClient(adminUser);
    const manager = await ws.staffClient(await createStaff(db(), { role: "manager" }));
    const benUser = await createStaff(db(), { role: "agent", displayName: "Ben", activeChatLimit: 2 });
    const ben = await ws.staffClient(benUser);
    const ctx = staffCtxFor(db(), adminUser);

    const edit = await updateStaffMember({ ctx, input: { userId: benUser.id, activeChatLimit: 5 } });
    await applyEffects(ctx, edit.effects);
    await agentFrame(admin, benUser.id, (a) => a.activeLimit === 5);
    await agentFrame(manager, benUser.id, (a) => a.activeLimit === 5);

    const off = await updateStaffMember({ ctx, input: { userId: benUser.id, disabled: true } });
    await applyEffects(ctx, off.effects);
    await agentFrame(admin, benUser.id, (a) => a.disabled === true && a.presence === "offline");

    // Ben's own socket (closed by the disable) never carried an agent frame, not even his own.
    expect(agentFrames(ben)).toEqual([]);
    const rooms = (userId: number) => ws.state.hub.userConns(userId).flatMap((c) => [...c.rooms]);
    expect(rooms(adminUser.id)).toContain(room.supervisors);
  });
});

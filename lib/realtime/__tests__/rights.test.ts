import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversations, users } from "../../../db/schema";
import { createConversation, createProject, createStaff, staffCtxFor } from "../../../tests/factories";
import { wsHarness } from "../../../tests/ws-harness";
import { CLOSE } from "../../constants";
import { applyEffects } from "../../effects";
import { reassignConversation } from "../../routing";
import { signOutStaff } from "../../staff/sign-out";
import { updateStaffMember } from "../../staff/update-staff";

/**
 * Rights follow the database on open sockets: a change committed by one
 * staff member reaches another's already-open console at once — it loses a
 * chat, its write access, or its connection — without a reconnect.
 */
const ws = wsHarness();
const db = () => ws.state.h.db;
beforeAll(() => ws.start());
afterAll(() => ws.stop());

async function reload(id: number) {
  const [u] = await db().select().from(users).where(eq(users.id, id));
  return u;
}

async function agentWithChat() {
  const project = await createProject(db());
  const agent = await createStaff(db());
  const { conversation, visitor } = await createConversation(db(), { projectId: project.id, status: "active", assigneeId: agent.id });
  const socket = await ws.staffClient(agent);
  expect((await ws.join(socket, conversation.id)).type).toBe("joined");
  return { project, agent, conversation, visitor, socket };
}

async function asAdmin<T extends { effects: Parameters<typeof applyEffects>[1] }>(run: (ctx: ReturnType<typeof staffCtxFor>) => Promise<T>) {
  const admin = await createStaff(db(), { role: "admin" });
  const ctx = staffCtxFor(db(), admin);
  const out = await run(ctx);
  await applyEffects(ctx, out.effects);
  return out;
}

describe("open sockets lose rights at once", () => {
  it("Live Chat turned off: the agent's socket leaves the chat, hears nothing more of it, and the chat is requeued", async () => {
    const { agent, conversation, visitor, project, socket } = await agentWithChat();
    await asAdmin((ctx) => updateStaffMember({ ctx, input: { userId: agent.id, liveChatEnabled: false } }));
    expect(await socket.next("revoked")).toEqual({ type: "revoked", conversationId: conversation.id });
    const [row] = await db().select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(row).toMatchObject({ status: "queued", assigneeId: null });

    // The visitor writes: the agent's socket, still open, gets nothing about that chat.
    const v = await ws.visitorClient(visitor, project.slug);
    await ws.join(v, conversation.id);
    v.send({ type: "send", ref: "after-revoke", conversationId: conversation.id, clientMsgId: "after-revoke-1", body: "anyone?" });
    expect((await v.next((f) => f.ref === "after-revoke")).type).toBe("ack");
    await socket.sync();
    expect(socket.frames.filter((f) => f.type === "message")).toEqual([]);
    // Nor can it write or rejoin.
    socket.send({ type: "send", ref: "agent-try", conversationId: conversation.id, clientMsgId: "agent-try-1", body: "hi" });
    expect(await socket.next((f) => f.ref === "agent-try")).toMatchObject({ type: "error", code: "not_found" });
    expect(await ws.join(socket, conversation.id)).toMatchObject({ type: "error", code: "not_found" });
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });

  it("a new role closes the console's socket with rightsChanged (the page reloads into the right console)", async () => {
    const { agent, socket } = await agentWithChat();
    await asAdmin((ctx) => updateStaffMember({ ctx, input: { userId: agent.id, role: "qa" } }));
    expect((await socket.closed).code).toBe(CLOSE.rightsChanged);
  });

  it("disabling an account closes its sockets as signed out and releases its chats", async () => {
    const { agent, conversation, socket } = await agentWithChat();
    await asAdmin((ctx) => updateStaffMember({ ctx, input: { userId: agent.id, disabled: true } }));
    expect((await socket.closed).code).toBe(CLOSE.signedOut);
    const [row] = await db().select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(row.status).toBe("queued");
    expect((await reload(agent.id)).sessionVersion).toBe(agent.sessionVersion + 1);
  });

  it("a device signed out elsewhere loses its socket at once", async () => {
    const { agent, socket } = await agentWithChat();
    const ctx = staffCtxFor(db(), agent);
    const { effects } = await signOutStaff({ ctx, input: { userId: agent.id } });
    await applyEffects(ctx, effects);
    expect((await socket.closed).code).toBe(CLOSE.signedOut);
  });

  it("a reassignment takes the chat's write access away from the old owner's open socket", async () => {
    const { agent, conversation, socket } = await agentWithChat();
    const other = await createStaff(db());
    const otherSocket = await ws.staffClient(other);
    await ws.presenceWritten(other.id);
    await asAdmin((ctx) => reassignConversation({ ctx, input: { conversationId: conversation.id, agentId: other.id } }));
    socket.send({ type: "send", ref: "old-owner", conversationId: conversation.id, clientMsgId: "old-owner-1", body: "still mine?" });
    expect(await socket.next((f) => f.ref === "old-owner")).toMatchObject({ type: "error", code: "forbidden" });
    // The new owner writes (and their socket hears it was assigned to them).
    await ws.join(otherSocket, conversation.id);
    otherSocket.send({ type: "send", ref: "new-owner", conversationId: conversation.id, clientMsgId: "new-owner-1", body: "hello" });
    expect((await otherSocket.next((f) => f.ref === "new-owner")).type).toBe("ack");
    expect(agent.id).not.toBe(other.id);
  });

  it("a rights change that keeps access refreshes the socket's actor in place (CRM toggle)", async () => {
    const { agent, conversation, socket } = await agentWithChat();
    await asAdmin((ctx) => updateStaffMember({ ctx, input: { userId: agent.id, crmEnabled: true } }));
    // Still joined and still writing.
    await socket.sync();
    expect(socket.frames.some((f) => f.type === "revoked")).toBe(false);
    socket.send({ type: "send", ref: "crm-on", conversationId: conversation.id, clientMsgId: "crm-on-1", body: "still here" });
    expect((await socket.next((f) => f.ref === "crm-on")).type).toBe("ack");
  });
});

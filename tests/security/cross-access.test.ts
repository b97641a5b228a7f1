import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as attachmentRoute from "../../app/api/chat/attachments/[id]/route";
import * as uploadRoute from "../../app/api/chat/attachments/route";
import * as messagesRoute from "../../app/api/chat/conversations/[id]/messages/route";
import * as sessionRoute from "../../app/api/visitor/session/route";
import { attachments, messages } from "../../db/schema";
import { uploadAttachment } from "../../lib/chat/attachments";
import { visitorCookieName } from "../../lib/chat/visitor-session";
import { createConversation, createProject, createStaff } from "../factories";
import { wsHarness } from "../ws-harness";
import { imageForm, PNG_1X1, request, routeContext } from "./helpers";

/**
 * One visitor can never reach another's conversation — in the same project
 * or across projects — over HTTP or the socket. Visitor X (project A) holds
 * a valid token; Y is another visitor of A, Z a visitor of project B.
 */

// Uploads and joins below stay well inside the limits; the harness reads this when it starts.
process.env.RATE_LIMIT_FACTOR = "100";
const harness = wsHarness();
type Party = Awaited<ReturnType<typeof createConversation>>;
let a: { slug: string; id: number };
let b: { slug: string; id: number };
let X: Party, Y: Party, Z: Party;
let yAttachment: number;

beforeAll(async () => {
  await harness.start();
  const db = harness.state.h.db;
  a = await createProject(db);
  b = await createProject(db);
  X = await createConversation(db, { projectId: a.id, status: "queued" });
  Y = await createConversation(db, { projectId: a.id, status: "queued" });
  Z = await createConversation(db, { projectId: b.id, status: "queued" });
  yAttachment = (
    await uploadAttachment({
      ctx: { actor: { type: "visitor", visitorId: Y.visitor.id, projectId: a.id }, db, now: new Date() },
      input: { conversationId: Y.conversation.id },
      file: new File([PNG_1X1], "y.png", { type: "image/png" }),
    })
  ).id;
});
afterAll(async () => {
  await harness.stop();
});

const token = (p: Party) => p.visitor.token;
const byHeader = (p: Party) => ({ "x-visitor-token": token(p) });
const byCookie = (p: Party, projectId = p.projectId) => ({ cookie: `${visitorCookieName(projectId)}=${token(p)}` });

async function readMessages(conversationId: number, headers: Record<string, string>) {
  const url = `/api/chat/conversations/${conversationId}/messages`;
  return messagesRoute.GET(await request("GET", url, { headers }), routeContext({ id: String(conversationId) }));
}

describe("over HTTP", () => {
  it("X reads their own conversation (the requests below are well-formed)", async () => {
    expect((await readMessages(X.conversation.id, byHeader(X))).status).toBe(200);
    expect((await readMessages(X.conversation.id, byCookie(X))).status).toBe(200);
  });

  it("X can't read Y's conversation (same project) or Z's (other project): the same 404 as a chat that doesn't exist", async () => {
    for (const target of [Y, Z]) {
      for (const creds of [byHeader(X), byCookie(X), byCookie(X, target.projectId)]) {
        const res = await readMessages(target.conversation.id, creds);
        expect(res.status, JSON.stringify(creds)).toBe(404);
        expect(await res.json()).toEqual((await (await readMessages(999_999_999, creds)).json()));
      }
    }
  });

  it("X can't fetch Y's image, by header, cookie or the <img> query token", async () => {
    const url = `/api/chat/attachments/${yAttachment}`;
    for (const [path, headers] of [
      [url, byHeader(X)],
      [url, byCookie(X)],
      [`${url}?vt=${encodeURIComponent(token(X))}`, {}],
    ] as const) {
      const res = await attachmentRoute.GET(await request("GET", path, { headers }), routeContext({ id: String(yAttachment) }));
      expect(res.status, path).toBe(404);
    }
    // Y can (the request is right).
    const own = await attachmentRoute.GET(await request("GET", url, { headers: byHeader(Y) }), routeContext({ id: String(yAttachment) }));
    expect(own.status).toBe(200);
  });

  it("X can't upload into Y's or Z's conversation, and nothing is stored", async () => {
    const db = harness.state.h.db;
    for (const target of [Y, Z]) {
      const before = (await db.select().from(attachments).where(eq(attachments.conversationId, target.conversation.id))).length;
      for (const creds of [byHeader(X), byCookie(X, target.projectId)]) {
        const res = await uploadRoute.POST(await request("POST", "/api/chat/attachments", { headers: creds, body: { form: imageForm(target.conversation.id) } }), routeContext());
        expect(res.status).toBe(404);
      }
      expect((await db.select().from(attachments).where(eq(attachments.conversationId, target.conversation.id))).length).toBe(before);
    }
  });

  it("X's token doesn't resume a session in project B", async () => {
    const res = await sessionRoute.POST(await request("POST", "/api/visitor/session", { body: { json: { slug: b.slug, token: token(X) } } }), routeContext());
    expect(res.status).toBe(404);
    const own = await sessionRoute.POST(await request("POST", "/api/visitor/session", { body: { json: { slug: a.slug, token: token(X) } } }), routeContext());
    expect(own.status).toBe(200);
  });
});

describe("over the socket", () => {
  it("X's token opens no socket for project B", async () => {
    const c = harness.open(`?vt=${encodeURIComponent(token(X))}&project=${encodeURIComponent(b.slug)}`, { Origin: harness.state.own });
    await expect(c.opened).rejects.toMatchObject({ status: 401 });
  });

  it("X can't join, write, type or mark read in Y's or Z's conversation, and hears nothing of them", async () => {
    const db = harness.state.h.db;
    const x = await harness.visitorClient(X.visitor, a.slug);
    const y = await harness.visitorClient(Y.visitor, a.slug);
    const z = await harness.visitorClient(Z.visitor, b.slug);
    expect((await harness.join(y, Y.conversation.id)).type).toBe("joined");
    expect((await harness.join(z, Z.conversation.id)).type).toBe("joined");
    expect((await harness.join(x, X.conversation.id)).type).toBe("joined");

    for (const target of [Y, Z]) {
      const id = target.conversation.id;
      const joined = await harness.join(x, id);
      expect(joined).toMatchObject({ type: "error", code: "not_found" });

      const before = (await db.select().from(messages).where(eq(messages.conversationId, id))).length;
      x.send({ type: "send", ref: `s-${id}`, conversationId: id, clientMsgId: `cross-${id}-0001`, body: "let me in" });
      expect(await x.next((f) => f.ref === `s-${id}`)).toMatchObject({ type: "error", code: "not_found" });
      expect((await db.select().from(messages).where(eq(messages.conversationId, id))).length).toBe(before);

      // Typing and read need a joined chat and stop at once; delivered goes to the database and
      // comes back as not_found: once that is here, all three have been handled.
      x.send({ type: "typing", conversationId: id, on: true });
      x.send({ type: "read", conversationId: id, upToId: 1 });
      x.send({ type: "delivered", conversationId: id, upToId: 1 });
      expect(await x.next((f) => f.type === "error" && f.ref === undefined)).toMatchObject({ code: "not_found" });
    }
    // Anything those frames had published would be on Y's and Z's sockets before their pongs.
    await y.sync();
    await z.sync();
    const leaked = (c: typeof y) => c.frames.filter((f) => ["typing", "receipt", "message", "moved"].includes(f.type));
    expect(leaked(y)).toEqual([]);
    expect(leaked(z)).toEqual([]);

    // Y and Z talk in their chats; X's socket hears none of it. An admin watching every chat
    // does: once the admin has a message, it has been published to every room it went to.
    const admin = await harness.staffClient(await createStaff(db, { role: "admin" }));
    for (const [c, p] of [[y, Y], [z, Z]] as const) {
      const clientMsgId = `own-${p.conversation.id}-0001`;
      c.send({ type: "send", ref: `own-${p.conversation.id}`, conversationId: p.conversation.id, clientMsgId, body: "private" });
      expect(await c.next((f) => f.ref === `own-${p.conversation.id}`)).toMatchObject({ type: "ack" });
      await admin.next((f) => f.type === "message" && (f.message as { clientMsgId?: string }).clientMsgId === clientMsgId);
    }
    await x.sync();
    expect(JSON.stringify(x.frames)).not.toContain("private");
    expect(x.frames.filter((f) => f.type === "message")).toEqual([]);
  });
});

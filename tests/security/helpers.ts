import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { DbHandle } from "../../db/client";
import { conversations, quickReplies, users, type StaffRole } from "../../db/schema";
import { createTestDb } from "../../db/testing";
import type { StaffActorLike } from "../../lib/auth/permissions";
import { sealSession, SESSION_COOKIE } from "../../lib/auth/session";
import { uploadAttachment } from "../../lib/chat/attachments";
import { visitorCookieName, VISITOR_TOKEN_HEADER } from "../../lib/chat/visitor-session";
import { parseEnv } from "../../lib/env";
import { heartbeatPresence } from "../../lib/routing";
import { CLIENT_IP_HEADER } from "../../lib/security/client-ip";
import { setSingleton } from "../../lib/singleton";
import { createConversation, createProject, createStaff, FACTORY_PASSWORD } from "../factories";

/**
 * Shared set-up of the security suite: one database per file, the actors
 * created once per file, and requests shaped as a browser on our own origin
 * would send them (the caller adds or overrides what a test is about).
 */

export const HOST = "chat.example.test";
export const OWN = `http://${HOST}`;
export const EVIL = "https://evil.test";
/** Another site under the same registrable domain: same-site for SameSite=Lax, yet not us. */
export const SIBLING = "http://www.example.test";
/** The address server.ts resolved (routes read it from CLIENT_IP_HEADER). */
export const CLIENT_IP = "198.51.100.20";

export const ACTORS = ["anonymous", "visitor", "admin", "manager", "agentLive", "agentOff", "agentCrm", "qa"] as const;
export type ActorName = (typeof ACTORS)[number];
export type StaffActorName = Exclude<ActorName, "anonymous" | "visitor">;
export const STAFF_ACTORS = ACTORS.filter((a): a is StaffActorName => a !== "anonymous" && a !== "visitor");

/** The staff actors: every role, and an agent with each combination of toggles the brief names. */
export const STAFF_SPECS: Record<StaffActorName, StaffActorLike> = {
  admin: { role: "admin", liveChatEnabled: true, crmEnabled: true },
  manager: { role: "manager", liveChatEnabled: true, crmEnabled: true },
  agentLive: { role: "agent", liveChatEnabled: true, crmEnabled: false },
  agentOff: { role: "agent", liveChatEnabled: false, crmEnabled: false },
  agentCrm: { role: "agent", liveChatEnabled: false, crmEnabled: true },
  qa: { role: "qa", liveChatEnabled: true, crmEnabled: true },
};

export type StaffRow = typeof users.$inferSelect;
export type Suite = Awaited<ReturnType<typeof openSuite>>;

/**
 * This file's environment and database, installed as the process singletons
 * the route handlers reach through getEnv()/getDb(). Rate limits are
 * loosened (RATE_LIMIT_FACTOR) so a matrix of calls from one address isn't
 * throttled; the limits have their own tests.
 */
export async function openSuite(env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "occ-security-"));
  const baseEnv = { DATA_DIR: dir, SESSION_SECRET: "security-suite-secret-0123456789abcdef", RATE_LIMIT_FACTOR: "1000" };
  const setEnv = (over: Record<string, string> = {}) => {
    setSingleton("env", parseEnv({ ...baseEnv, ...env, ...over }));
    setSingleton("rate-limiters", undefined);
  };
  setEnv();
  const h: DbHandle = await createTestDb();
  setSingleton("db", Promise.resolve(h));
  return {
    h,
    db: h.db,
    dir,
    /** Re-parse the environment with these variables on top (same secret, so cookies stay valid). */
    setEnv,
    async close() {
      setSingleton("db", undefined);
      setSingleton("env", undefined);
      setSingleton("rate-limiters", undefined);
      await h.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type World = Awaited<ReturnType<typeof createWorld>>;

/**
 * The actors and what they act on: project A (the visitor's, whitelisting
 * one embed origin) and project B; the visitor's conversation, active and
 * assigned to agentLive, so that "own chat" holds for the one agent who could
 * own it and staff access is decided by permissions alone.
 */
export async function createWorld(db: Suite["db"]) {
  const staff = {} as Record<StaffActorName, StaffRow>;
  for (const name of STAFF_ACTORS) {
    const s = STAFF_SPECS[name];
    // Limits out of the way: routing hands the suite's queued chats to whoever is online.
    staff[name] = await createStaff(db, { role: s.role as StaffRole, liveChatEnabled: s.liveChatEnabled, crmEnabled: s.crmEnabled, activeChatLimit: 10_000, offlineChatLimit: 10_000 });
  }
  const projectA = await createProject(db, { allowedOrigins: ["https://shop.client-a.test"] });
  const projectB = await createProject(db, { allowedOrigins: ["https://shop.client-b.test"] });
  const own = await createConversation(db, { projectId: projectA.id, status: "active", assigneeId: staff.agentLive.id });
  // The visitor's own image in their chat, uploaded the way the widget does.
  const { id: attachmentId } = await uploadAttachment({
    ctx: { actor: { type: "visitor", visitorId: own.visitor.id, projectId: projectA.id }, db, now: new Date() },
    input: { conversationId: own.conversation.id },
    file: new File([PNG_1X1], "pixel.png", { type: "image/png" }),
  });
  const target = await createStaff(db, { role: "agent", activeChatLimit: 10_000, offlineChatLimit: 10_000 });
  // A live console connection for the target and agentLive, so a chat can be handed to them and
  // agentLive can pick; renewed before such calls (presence goes stale after 30 s).
  const online = () => heartbeatPresence(db, "security-suite", new Date(), new Map([[target.id, 1], [staff.agentLive.id, 1]]));
  await online();
  return {
    db,
    staff,
    projectA,
    projectB,
    visitor: own.visitor,
    conversation: own.conversation,
    attachmentId,
    /** An agent to hand chats to (not one of the actors). */
    targetAgentId: target.id,
    password: FACTORY_PASSWORD,
    online,
    /** Put the visitor's conversation back as it started (a sign-out releases the owner's chats). */
    restore: async () => {
      await db.update(conversations).set({ status: "active", assigneeId: staff.agentLive.id }).where(eq(conversations.id, own.conversation.id));
    },
    /** A fresh conversation in project A (for calls that change its owner or status). */
    fresh: (over: Parameters<typeof createConversation>[1] = {}) => createConversation(db, { projectId: projectA.id, ...over }),
    /** Give a staff member the factory password back (a password change in the matrix moved it). */
    resetPassword: async (userId: number | null) => {
      if (userId !== null) await db.update(users).set({ passwordHash: staff.admin.passwordHash }).where(eq(users.id, userId));
    },
    /** A quick reply owned by `userId`, or by nobody among the actors (a dummy id) when null. */
    quickReply: async (userId: number | null) => {
      if (userId === null) return 2_000_000_000;
      const [row] = await db.insert(quickReplies).values({ userId, body: "Hello from the suite" }).returning();
      return row.id;
    },
  };
}

/** A staff member's session cookie, sealed for the session version they have now (sign-outs bump it). */
export async function staffCookie(db: Suite["db"], userId: number): Promise<string> {
  const [u] = await db.select({ id: users.id, v: users.sessionVersion }).from(users).where(eq(users.id, userId));
  return `${SESSION_COOKIE}=${encodeURIComponent(await sealSession({ userId: u.id, sessionVersion: u.v }))}`;
}

/** The credentials an actor's browser sends: a staff cookie, or the visitor's project cookie and token header. */
export async function credentials(db: Suite["db"], world: World, actor: ActorName): Promise<Record<string, string>> {
  if (actor === "anonymous") return {};
  if (actor === "visitor") {
    return { cookie: `${visitorCookieName(world.visitor.projectId)}=${world.visitor.token}`, [VISITOR_TOKEN_HEADER]: world.visitor.token };
  }
  return { cookie: await staffCookie(db, world.staff[actor].id) };
}

export type Body = { json: unknown } | { form: FormData } | { raw: string; type?: string };

/**
 * A request as our own page sends it: Host and the resolved client IP;
 * state-changing methods carry Origin and Sec-Fetch-Site: same-origin as a
 * browser adds them. `headers` override (null deletes one).
 */
export async function request(
  method: string,
  pathAndQuery: string,
  opts: { headers?: Record<string, string | null>; body?: Body } = {},
): Promise<Request> {
  const headers = new Headers({ host: HOST, [CLIENT_IP_HEADER]: CLIENT_IP });
  if (!["GET", "HEAD", "OPTIONS"].includes(method)) {
    headers.set("origin", OWN);
    headers.set("sec-fetch-site", "same-origin");
  }
  let body: BodyInit | undefined;
  const b = opts.body;
  if (b && "json" in b) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(b.json);
  } else if (b && "raw" in b) {
    if (b.type) headers.set("content-type", b.type);
    body = b.raw;
  } else if (b && "form" in b) {
    // Serialised up front so the request declares its length (uploads require it), as browsers do.
    const encoded = new Request(`${OWN}/`, { method: "POST", body: b.form });
    headers.set("content-type", encoded.headers.get("content-type")!);
    const bytes = new Uint8Array(await encoded.arrayBuffer());
    headers.set("content-length", String(bytes.byteLength));
    body = bytes;
  }
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === null) headers.delete(k);
    else headers.set(k, v);
  }
  return new Request(`${OWN}${pathAndQuery}`, { method, headers, body });
}

/** A 1×1 PNG: the smallest image the upload path accepts. */
export const PNG_1X1 = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

export function imageForm(conversationId: number): FormData {
  const form = new FormData();
  form.set("conversationId", String(conversationId));
  form.set("file", new File([PNG_1X1], "pixel.png", { type: "image/png" }));
  return form;
}

/** The contact form of the visitor page. */
export const CONTACT = { name: "Asha Rao", country: "GB", phone: "020 7946 0958", email: "asha@example.com" };

/** Route modules export handlers called as Next calls them: (Request, { params: Promise }). */
export type Handler = (req: Request, rc: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;
export const routeContext = <P extends Record<string, string>>(params: P = {} as P) => ({ params: Promise.resolve(params) });

import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { conversionConfigs, users } from "../../db/schema";
import { can, canAny, type Permission } from "../../lib/auth/permissions";
import { sealFor } from "../../lib/auth/secret-box";
import { createStaffSession, publicSessionId } from "../../lib/auth/staff-sessions";
import { newTotpSecret, totpCodeAt, totpStep } from "../../lib/auth/totp";
import { enableTwoFactor, enrolmentFor, sealPending } from "../../lib/auth/two-factor";
import { landingBundle } from "../../components/visitor/landing/bundle.server";
import { createProject, createStaff, staffCtxFor } from "../factories";
import { uploadProjectIcon } from "../../lib/project-admin/icon";
import { appModule } from "./app-tree";
import { CONTACT, credentials, imageForm, PNG_1X1, request, routeContext, STAFF_SPECS, type ActorName, type Body, type Handler, type Suite, type World } from "./helpers";

/**
 * Every route handler (app/**\/route.ts) and every page/layout, with who may
 * call it and how to build a request for it. routes.test.ts walks the app
 * tree and fails when a route or method has no entry here (or an entry has
 * no route), so a new route can't ship without being placed in the matrix.
 *
 * Who may call is said with permissions from lib/auth/permissions.ts, never
 * roles: the expected outcome per actor is derived with `can`.
 */

export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type Method = (typeof METHODS)[number];

export type Access =
  /** Anyone: public pages, health, sign-in/out. */
  | { kind: "public" }
  /**
   * The visitor API (contact form, session resume, their preflights): open to
   * anyone, but a browser call must come from our origin or the project's
   * whitelisted embed origins (tested in csrf.test.ts).
   */
  | { kind: "visitor-api" }
  /**
   * withStaff: no session → 401; a session without the permission → 403.
   * `anyOf`: holding one is enough; `allOf`: every one is needed too (a verb's
   * own check on top of the route's).
   */
  | { kind: "staff"; anyOf: readonly Permission[]; allOf?: readonly Permission[] }
  /**
   * One conversation's data, for its visitor or for staff who may read
   * (write) it. Existence is hidden: anyone who may not read it gets the same
   * 404 as for a conversation that doesn't exist (lib/chat/request-actor.ts);
   * a reader who may not write gets 403. The fixture conversation belongs to
   * the visitor actor and is assigned to agentLive, so "own chat" holds for
   * the one agent who could own it.
   */
  | { kind: "conversation"; read: readonly Permission[]; write?: readonly Permission[] };

export type RequestSpec = {
  /** Path and query, e.g. `/api/agent/conversations?bucket=active`. */
  url: string;
  params?: Record<string, string>;
  body?: Body;
  headers?: Record<string, string | null>;
};

export type RouteEntry = {
  access: Access;
  /** Changes state: CSRF (staff) or the CORS rule (visitor API) applies. Must be true for every non-safe method. */
  mutates: boolean;
  /** A request an allowed actor can make (fresh state where the call would change its fixture). */
  request: (w: World, actor: ActorName) => RequestSpec | Promise<RequestSpec>;
};

/** Agents are managed with agents.manage, everyone else with staff.manage (the verbs pick; the fixtures target agents). */
const MANAGE_STAFF = ["agents.manage", "staff.manage"] as const;
const strongPassword = () => `orbit-${randomBytes(6).toString("hex")}-Lantern`;

let assetFile: string | undefined;

const READ_CHAT = ["chat.view_all", "chat.view_own"] as const;
const WRITE_CHAT = ["chat.reply_any", "chat.reply"] as const;
/** The inbox verbs check the agent console on top of the route's permission (lib/inbox/access.ts). */
const INBOX = { anyOf: ["chat.view_own"], allOf: ["console.agent"] } as const;

export const ROUTES: Record<string, Partial<Record<Method, RouteEntry>>> = {
  "app/api/agent/agents/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["chat.reassign_own", "chat.assign_any", "chat.view_all"] }, mutates: false, request: () => ({ url: "/api/agent/agents" }) },
  },
  "app/api/agent/break/route.ts": {
    POST: { access: { kind: "staff", anyOf: ["agent.break"] }, mutates: true, request: () => ({ url: "/api/agent/break", body: { json: { onBreak: false } } }) },
  },
  "app/api/agent/conversations/[id]/pick/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["chat.pick_queued"] },
      mutates: true,
      request: async (w) => {
        await w.online();
        const { conversation } = await w.fresh({ status: "queued" });
        return { url: `/api/agent/conversations/${conversation.id}/pick`, params: { id: String(conversation.id) } };
      },
    },
  },
  "app/api/agent/conversations/route.ts": {
    GET: { access: { kind: "staff", ...INBOX }, mutates: false, request: () => ({ url: "/api/agent/conversations?bucket=active" }) },
  },
  "app/api/agent/counts/route.ts": {
    GET: { access: { kind: "staff", ...INBOX }, mutates: false, request: () => ({ url: "/api/agent/counts" }) },
  },
  "app/api/agent/heartbeat/route.ts": {
    POST: { access: { kind: "staff", anyOf: ["profile.view"] }, mutates: true, request: () => ({ url: "/api/agent/heartbeat" }) },
  },
  "app/api/agent/quick-replies/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["chat.reply"] }, mutates: false, request: () => ({ url: "/api/agent/quick-replies" }) },
    POST: { access: { kind: "staff", anyOf: ["chat.reply"] }, mutates: true, request: () => ({ url: "/api/agent/quick-replies", body: { json: { body: "Security suite reply" } } }) },
  },
  "app/api/agent/quick-replies/[id]/route.ts": {
    PATCH: {
      access: { kind: "staff", anyOf: ["chat.reply"] },
      mutates: true,
      request: async (w, actor) => {
        const id = String(await w.quickReply(staffId(w, actor)));
        return { url: `/api/agent/quick-replies/${id}`, params: { id }, body: { json: { body: "Edited" } } };
      },
    },
    DELETE: {
      access: { kind: "staff", anyOf: ["chat.reply"] },
      mutates: true,
      request: async (w, actor) => {
        const id = String(await w.quickReply(staffId(w, actor)));
        return { url: `/api/agent/quick-replies/${id}`, params: { id } };
      },
    },
  },
  "app/api/agent/stars/[conversationId]/route.ts": {
    PUT: {
      access: { kind: "staff", anyOf: ["chat.view_own"] },
      mutates: true,
      request: (w) => ({ url: `/api/agent/stars/${w.conversation.id}`, params: { conversationId: String(w.conversation.id) } }),
    },
    DELETE: {
      access: { kind: "staff", anyOf: ["chat.view_own"] },
      mutates: true,
      request: (w) => ({ url: `/api/agent/stars/${w.conversation.id}`, params: { conversationId: String(w.conversation.id) } }),
    },
  },
  "app/api/auth/login/route.ts": {
    POST: {
      access: { kind: "public" },
      mutates: true,
      // A fresh account per call: the actors' own passwords and second factors change elsewhere in the matrix.
      request: async (w) => ({ url: "/api/auth/login", body: { json: { login: (await createStaff(w.db, { role: "qa" })).email, password: w.password } } }),
    },
  },
  "app/api/auth/login/second-factor/route.ts": {
    POST: {
      access: { kind: "public" },
      mutates: true,
      // Step two for a fresh account with two-factor on: the step-one token and one of its recovery codes.
      request: async (w) => {
        const user = await createStaff(w.db, { role: "qa" });
        const { result } = await enableTwoFactor({ ctx: staffCtxFor(w.db, user), input: { secret: newTotpSecret(), step: totpStep(new Date()) } });
        const token = await sealPending({ purpose: "second_factor", userId: user.id, sessionVersion: user.sessionVersion, next: null, exp: Date.now() + 60_000 });
        return { url: "/api/auth/login/second-factor", body: { json: { token, code: result.recoveryCodes[0] } } };
      },
    },
  },
  "app/api/auth/login/enroll/route.ts": {
    POST: {
      access: { kind: "public" },
      mutates: true,
      // Step two for a fresh account whose role requires two-factor sign-in: the enrolment token and the app's first code.
      request: async (w) => {
        const user = await createStaff(w.db, { role: "qa" });
        const { token, secret } = await enrolmentFor(user, { purpose: "sign_in_enrolment", next: null }, new Date());
        return { url: "/api/auth/login/enroll", body: { json: { token, code: totpCodeAt(secret, new Date()) } } };
      },
    },
  },
  "app/api/auth/logout/route.ts": {
    POST: { access: { kind: "public" }, mutates: true, request: () => ({ url: "/api/auth/logout" }) },
  },
  "app/api/auth/me/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["profile.view"] }, mutates: false, request: () => ({ url: "/api/auth/me" }) },
  },
  "app/api/auth/security-policy/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["security.manage"] }, mutates: false, request: () => ({ url: "/api/auth/security-policy" }) },
    // The defaults again: the policy stays as the rest of the suite expects it.
    PATCH: {
      access: { kind: "staff", anyOf: ["security.manage"] },
      mutates: true,
      request: () => ({ url: "/api/auth/security-policy", body: { json: { sessions: { idleMinutes: 12 * 60, absoluteHours: 7 * 24 } } } }),
    },
  },
  "app/api/auth/sessions/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["profile.view"] }, mutates: false, request: () => ({ url: "/api/auth/sessions" }) },
  },
  "app/api/auth/sessions/[id]/route.ts": {
    DELETE: {
      access: { kind: "staff", anyOf: ["profile.view"] },
      mutates: true,
      // Another device of the caller's own.
      request: async (w, actor) => {
        const uid = staffId(w, actor);
        const id = uid ? publicSessionId((await createStaffSession(w.db, { userId: uid, now: new Date() })).id) : "A".repeat(22);
        return { url: `/api/auth/sessions/${id}`, params: { id } };
      },
    },
  },
  "app/api/auth/sessions/others/route.ts": {
    DELETE: { access: { kind: "staff", anyOf: ["profile.view"] }, mutates: true, request: () => ({ url: "/api/auth/sessions/others" }) },
  },
  "app/api/auth/two-factor/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["profile.view"] }, mutates: false, request: () => ({ url: "/api/auth/two-factor" }) },
  },
  "app/api/auth/two-factor/enrolment/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["profile.view"] },
      mutates: true,
      request: async (w, actor) => {
        await setTwoFactor(w, actor, false);
        return { url: "/api/auth/two-factor/enrolment" };
      },
    },
    PUT: {
      access: { kind: "staff", anyOf: ["profile.view"] },
      mutates: true,
      // The token of an enrolment the caller started, and the app's first code.
      request: async (w, actor) => {
        const uid = staffId(w, actor);
        if (!uid) return { url: "/api/auth/two-factor/enrolment", body: { json: { token: "none", code: "000000" } } };
        await setTwoFactor(w, actor, false);
        const [user] = await w.db.select().from(users).where(eq(users.id, uid));
        const { token, secret } = await enrolmentFor(user, { purpose: "account_enrolment" }, new Date());
        return { url: "/api/auth/two-factor/enrolment", body: { json: { token, code: totpCodeAt(secret, new Date()) } } };
      },
    },
  },
  "app/api/auth/two-factor/disable/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["profile.view"] },
      mutates: true,
      request: async (w, actor) => {
        await setTwoFactor(w, actor, true);
        await w.resetPassword(staffId(w, actor));
        return { url: "/api/auth/two-factor/disable", body: { json: { password: w.password } } };
      },
    },
  },
  "app/api/auth/two-factor/recovery-codes/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["profile.view"] },
      mutates: true,
      request: async (w, actor) => {
        await setTwoFactor(w, actor, true);
        await w.resetPassword(staffId(w, actor));
        return { url: "/api/auth/two-factor/recovery-codes", body: { json: { password: w.password } } };
      },
    },
  },
  "app/api/chat/attachments/route.ts": {
    POST: {
      access: { kind: "conversation", read: READ_CHAT, write: WRITE_CHAT },
      mutates: true,
      request: (w) => ({ url: "/api/chat/attachments", body: { form: imageForm(w.conversation.id) } }),
    },
  },
  "app/api/chat/attachments/[id]/route.ts": {
    GET: {
      access: { kind: "conversation", read: READ_CHAT },
      mutates: false,
      request: (w) => ({ url: `/api/chat/attachments/${w.attachmentId}`, params: { id: String(w.attachmentId) } }),
    },
  },
  "app/api/chat/conversations/[id]/assign/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["chat.assign_any", "chat.reassign_own"] },
      mutates: true,
      request: async (w) => {
        await w.online();
        const { conversation } = await w.fresh({ status: "active", assigneeId: w.staff.agentLive.id });
        return { url: `/api/chat/conversations/${conversation.id}/assign`, params: { id: String(conversation.id) }, body: { json: { agentId: w.targetAgentId } } };
      },
    },
  },
  "app/api/chat/conversations/[id]/agents/route.ts": {
    GET: {
      access: { kind: "staff", anyOf: ["chat.assign_any", "chat.reassign_own"] },
      mutates: false,
      request: (w) => ({ url: `/api/chat/conversations/${w.conversation.id}/agents`, params: { id: String(w.conversation.id) } }),
    },
  },
  "app/api/chat/conversations/[id]/block/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["visitor.block"] },
      mutates: true,
      request: async (w) => {
        const { conversation } = await w.fresh({ status: "active", assigneeId: w.staff.agentLive.id });
        return { url: `/api/chat/conversations/${conversation.id}/block`, params: { id: String(conversation.id) }, body: { json: { reason: "security suite" } } };
      },
    },
  },
  "app/api/chat/conversations/[id]/close/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["chat.close"] },
      mutates: true,
      request: async (w) => {
        const { conversation } = await w.fresh({ status: "active", assigneeId: w.staff.agentLive.id });
        return { url: `/api/chat/conversations/${conversation.id}/close`, params: { id: String(conversation.id) } };
      },
    },
  },
  "app/api/chat/conversations/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["chat.view_all"] }, mutates: false, request: () => ({ url: "/api/chat/conversations?pill=all" }) },
  },
  "app/api/chat/conversations/[id]/details/route.ts": {
    GET: {
      access: { kind: "staff", anyOf: READ_CHAT },
      mutates: false,
      request: (w) => ({ url: `/api/chat/conversations/${w.conversation.id}/details`, params: { id: String(w.conversation.id) } }),
    },
  },
  "app/api/chat/conversations/[id]/messages/route.ts": {
    GET: {
      access: { kind: "conversation", read: READ_CHAT },
      mutates: false,
      request: (w) => ({ url: `/api/chat/conversations/${w.conversation.id}/messages`, params: { id: String(w.conversation.id) } }),
    },
  },
  "app/api/chat/conversations/[id]/stage/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["chat.lead_stage"] },
      mutates: true,
      request: async (w) => {
        const { conversation } = await w.fresh({ status: "active", assigneeId: w.staff.agentLive.id });
        return { url: `/api/chat/conversations/${conversation.id}/stage`, params: { id: String(conversation.id) }, body: { json: { stage: "qualified" } } };
      },
    },
  },
  "app/api/visitor/conversations/route.ts": {
    OPTIONS: { access: { kind: "visitor-api" }, mutates: false, request: () => ({ url: "/api/visitor/conversations", headers: preflightHeaders }) },
    POST: {
      access: { kind: "visitor-api" },
      mutates: true,
      request: (w) => ({ url: "/api/visitor/conversations", body: { json: { slug: w.projectA.slug, ...CONTACT } } }),
    },
  },
  "app/api/web-leads/route.ts": {
    OPTIONS: { access: { kind: "visitor-api" }, mutates: false, request: () => ({ url: "/api/web-leads", headers: preflightHeaders }) },
    POST: {
      access: { kind: "visitor-api" },
      mutates: true,
      request: (w) => ({ url: "/api/web-leads", body: { json: { project: w.projectA.slug, ...CONTACT } } }),
    },
  },
  "app/api/visitor/session/route.ts": {
    OPTIONS: { access: { kind: "visitor-api" }, mutates: false, request: () => ({ url: "/api/visitor/session", headers: preflightHeaders }) },
    POST: {
      access: { kind: "visitor-api" },
      mutates: true,
      request: (w) => ({ url: "/api/visitor/session", body: { json: { slug: w.projectA.slug, token: w.visitor.token } } }),
    },
  },
  "app/api/overview/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["overview.view"] }, mutates: false, request: () => ({ url: "/api/overview?range=7d&tz=Europe%2FBerlin" }) },
  },
  "app/api/staff/route.ts": {
    GET: { access: { kind: "staff", anyOf: MANAGE_STAFF }, mutates: false, request: () => ({ url: "/api/staff?kind=agents" }) },
    POST: {
      access: { kind: "staff", anyOf: MANAGE_STAFF },
      mutates: true,
      request: () => {
        const u = randomBytes(5).toString("hex");
        return {
          url: "/api/staff",
          body: { json: { role: "agent", displayName: `New agent ${u}`, email: `new-${u}@example.test`, username: `new_${u}`, password: strongPassword() } },
        };
      },
    },
  },
  "app/api/staff/[id]/route.ts": {
    PATCH: {
      access: { kind: "staff", anyOf: MANAGE_STAFF },
      mutates: true,
      request: async (w) => {
        const id = String((await createStaff(w.db, { role: "agent" })).id);
        return { url: `/api/staff/${id}`, params: { id }, body: { json: { displayName: "Renamed agent" } } };
      },
    },
  },
  "app/api/staff/[id]/password/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: MANAGE_STAFF },
      mutates: true,
      request: async (w) => {
        const id = String((await createStaff(w.db, { role: "agent" })).id);
        return { url: `/api/staff/${id}/password`, params: { id }, body: { json: { password: strongPassword() } } };
      },
    },
  },
  "app/api/staff/[id]/sign-out/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: MANAGE_STAFF },
      mutates: true,
      request: async (w) => {
        const id = String((await createStaff(w.db, { role: "agent" })).id);
        return { url: `/api/staff/${id}/sign-out`, params: { id } };
      },
    },
  },
  "app/api/staff/me/password/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["profile.view"] },
      mutates: true,
      request: async (w, actor) => {
        await w.resetPassword(staffId(w, actor));
        return { url: "/api/staff/me/password", body: { json: { currentPassword: w.password, newPassword: strongPassword() } } };
      },
    },
  },
  "app/api/security/settings/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["security.view"] }, mutates: false, request: () => ({ url: "/api/security/settings" }) },
    // The brief's login numbers again: the thresholds stay as the rest of the suite expects them.
    PATCH: {
      access: { kind: "staff", anyOf: ["security.manage"] },
      mutates: true,
      request: () => ({ url: "/api/security/settings", body: { json: { login: { limit: 5, windowMinutes: 10, blockMinutes: 30 } } } }),
    },
  },
  "app/api/security/allow-list/route.ts": {
    PUT: { access: { kind: "staff", anyOf: ["security.manage"] }, mutates: true, request: () => ({ url: "/api/security/allow-list", body: { json: { entries: [] } } }) },
  },
  "app/api/security/rate-limits/route.ts": {
    // The default again: the suite's other requests keep their limits.
    PATCH: { access: { kind: "staff", anyOf: ["security.manage"] }, mutates: true, request: () => ({ url: "/api/security/rate-limits", body: { json: { upload: { points: 10, seconds: 60 } } } }) },
  },
  "app/api/security/blocks/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["security.view"] }, mutates: false, request: () => ({ url: "/api/security/blocks?status=all" }) },
    POST: {
      access: { kind: "staff", anyOf: ["visitor.block", "security.manage"] },
      mutates: true,
      // One documentation address (never the suite's own client address).
      request: () => ({ url: "/api/security/blocks", body: { json: { address: `203.0.113.${1 + (randomBytes(1)[0] % 250)}`, reason: "Security suite" } } }),
    },
  },
  "app/api/security/blocks/[id]/route.ts": {
    DELETE: {
      access: { kind: "staff", anyOf: ["visitor.block", "security.manage"] },
      mutates: true,
      request: async (w) => {
        const { blockedIps } = await import("../../db/schema");
        const [row] = await w.db
          .insert(blockedIps)
          .values({ address: `192.0.2.${1 + (randomBytes(1)[0] % 250)}`, reason: "Security suite", source: "manual" })
          .returning({ id: blockedIps.id });
        const id = String(row.id);
        return { url: `/api/security/blocks/${id}`, params: { id } };
      },
    },
  },
  "app/api/security/strikes/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["security.view"] }, mutates: false, request: () => ({ url: "/api/security/strikes" }) },
  },
  "app/api/security/audit-log/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["security.view"] }, mutates: false, request: () => ({ url: "/api/security/audit-log?category=blocks" }) },
  },
  "app/api/qa/conversations/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["chat.view_all"] }, mutates: false, request: (w) => ({ url: `/api/qa/conversations?agent=${w.staff.agentLive.id}&status=active` }) },
  },
  "app/healthz/route.ts": {
    GET: { access: { kind: "public" }, mutates: false, request: () => ({ url: "/healthz" }) },
  },
  "app/p/[slug]/route.ts": {
    GET: { access: { kind: "public" }, mutates: false, request: (w) => ({ url: `/p/${w.projectA.slug}`, params: { slug: w.projectA.slug } }) },
  },
  "app/visitor-assets/[file]/route.ts": {
    GET: {
      access: { kind: "public" },
      mutates: false,
      request: async () => {
        // Content-hashed: the same name every build (outside production the route builds the bundle per call).
        assetFile ??= [...(await landingBundle()).assets.keys()][0];
        return { url: `/visitor-assets/${assetFile}`, params: { file: assetFile } };
      },
    },
  },
  "app/api/projects/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["projects.edit"] }, mutates: false, request: () => ({ url: "/api/projects" }) },
    POST: {
      access: { kind: "staff", anyOf: ["projects.edit"] },
      mutates: true,
      request: () => ({ url: "/api/projects", body: { json: { slug: `suite-${randomBytes(4).toString("hex")}`, title: "Suite project" } } }),
    },
  },
  "app/api/projects/[id]/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["projects.edit"] }, mutates: false, request: (w) => ({ url: `/api/projects/${w.projectB.id}`, params: { id: String(w.projectB.id) } }) },
    PATCH: {
      access: { kind: "staff", anyOf: ["projects.edit"] },
      mutates: true,
      request: async (w) => {
        const id = String((await createProject(w.db)).id);
        return { url: `/api/projects/${id}`, params: { id }, body: { json: { title: "Renamed project" } } };
      },
    },
  },
  "app/api/projects/[id]/clone/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["projects.edit"] },
      mutates: true,
      request: (w) => ({
        url: `/api/projects/${w.projectB.id}/clone`,
        params: { id: String(w.projectB.id) },
        body: { json: { slug: `suite-clone-${randomBytes(4).toString("hex")}` } },
      }),
    },
  },
  "app/api/projects/[id]/default/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["projects.edit"] },
      mutates: true,
      request: async (w) => {
        const id = String((await createProject(w.db)).id);
        return { url: `/api/projects/${id}/default`, params: { id } };
      },
    },
  },
  "app/api/projects/[id]/icon/route.ts": {
    GET: {
      access: { kind: "public" },
      mutates: false,
      request: async (w) => {
        const project = await createProject(w.db);
        const file = new File([PNG_1X1], "icon.png", { type: "image/png" });
        await uploadProjectIcon({ ctx: staffCtxFor(w.db, w.staff.admin), input: { projectId: project.id }, file });
        return { url: `/api/projects/${project.id}/icon`, params: { id: String(project.id) } };
      },
    },
    POST: {
      access: { kind: "staff", anyOf: ["projects.edit"] },
      mutates: true,
      request: async (w) => {
        const id = String((await createProject(w.db)).id);
        const form = new FormData();
        form.set("file", new File([PNG_1X1], "icon.png", { type: "image/png" }));
        return { url: `/api/projects/${id}/icon`, params: { id }, body: { form } };
      },
    },
    DELETE: {
      access: { kind: "staff", anyOf: ["projects.edit"] },
      mutates: true,
      request: async (w) => {
        const id = String((await createProject(w.db)).id);
        return { url: `/api/projects/${id}/icon`, params: { id } };
      },
    },
  },
  "app/api/crm/imports/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["crm.import"] }, mutates: false, request: () => ({ url: "/api/crm/imports" }) },
    POST: {
      access: { kind: "staff", anyOf: ["crm.import"] },
      mutates: true,
      request: () => ({ url: "/api/crm/imports?fileName=suite.csv", body: { raw: "name,email\nSuite,suite-import@example.test\n", type: "text/csv" } }),
    },
  },
  "app/api/crm/imports/[id]/route.ts": {
    GET: {
      access: { kind: "staff", anyOf: ["crm.import"] },
      mutates: false,
      request: async (w) => {
        const id = String((await leadImport(w)).id);
        return { url: `/api/crm/imports/${id}`, params: { id } };
      },
    },
  },
  "app/api/crm/imports/[id]/start/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["crm.import"] },
      mutates: true,
      request: async (w) => {
        const id = String((await leadImport(w)).id);
        return { url: `/api/crm/imports/${id}/start`, params: { id }, body: { json: { projectId: w.projectA.id, mapping: ["name", "email"], duplicates: "skip", defaultCountry: null } } };
      },
    },
  },
  "app/api/crm/imports/[id]/rejected/route.ts": {
    GET: {
      access: { kind: "staff", anyOf: ["crm.import"] },
      mutates: false,
      request: async (w) => {
        const id = String((await leadImport(w, { run: true })).id);
        return { url: `/api/crm/imports/${id}/rejected`, params: { id } };
      },
    },
  },
  "app/api/crm/sheets/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["crm.sheets"] }, mutates: false, request: () => ({ url: "/api/crm/sheets" }) },
    POST: {
      access: { kind: "staff", anyOf: ["crm.sheets"] },
      mutates: true,
      request: (w) => ({ url: "/api/crm/sheets", body: { json: { name: "Suite sheet", sheet: SUITE_SHEET_ID, projectId: w.projectA.id, mapping: { Name: "name", Email: "email" } } } }),
    },
  },
  "app/api/crm/sheets/[id]/route.ts": {
    PATCH: {
      access: { kind: "staff", anyOf: ["crm.sheets"] },
      mutates: true,
      request: async (w) => {
        const id = String(await sheetSource(w));
        return { url: `/api/crm/sheets/${id}`, params: { id }, body: { json: { pollIntervalSec: 120, enabled: false } } };
      },
    },
    DELETE: {
      access: { kind: "staff", anyOf: ["crm.sheets"] },
      mutates: true,
      request: async (w) => {
        const id = String(await sheetSource(w));
        return { url: `/api/crm/sheets/${id}`, params: { id } };
      },
    },
  },
  "app/api/crm/sheets/[id]/poll/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["crm.sheets"] },
      mutates: true,
      request: async (w) => {
        const id = String(await sheetSource(w));
        return { url: `/api/crm/sheets/${id}/poll`, params: { id } };
      },
    },
  },
  "app/api/crm/sheets/headers/route.ts": {
    GET: {
      access: { kind: "staff", anyOf: ["crm.sheets"] },
      mutates: false,
      request: async (w) => {
        await suiteSheets(w);
        return { url: `/api/crm/sheets/headers?sheet=${SUITE_SHEET_ID}&range=${encodeURIComponent("Sheet1!A:Z")}` };
      },
    },
  },
  "app/api/crm/sheets/service-account/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["crm.sheets"] }, mutates: false, request: () => ({ url: "/api/crm/sheets/service-account" }) },
    PUT: {
      access: { kind: "staff", anyOf: ["crm.sheets"] },
      mutates: true,
      request: async () => ({ url: "/api/crm/sheets/service-account", body: { json: { key: (await fakeSheets()).keyJson() } } }),
    },
    DELETE: {
      access: { kind: "staff", anyOf: ["crm.sheets"] },
      mutates: true,
      request: async (w) => {
        await suiteSheets(w);
        return { url: "/api/crm/sheets/service-account" };
      },
    },
  },
  "app/api/crm/leads/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["crm.view"] }, mutates: false, request: () => ({ url: "/api/crm/leads?source=web&limit=50" }) },
  },
  "app/api/crm/leads/export/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["crm.view"] }, mutates: false, request: () => ({ url: "/api/crm/leads/export?stage=new" }) },
  },
  "app/api/crm/follow-ups/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["crm.view"] }, mutates: false, request: () => ({ url: "/api/crm/follow-ups?today=2026-12-01" }) },
  },
  "app/api/crm/leads/[id]/route.ts": {
    GET: {
      access: { kind: "staff", anyOf: ["crm.view"] },
      mutates: false,
      request: async (w) => {
        const id = String((await crmLead(w)).id);
        return { url: `/api/crm/leads/${id}`, params: { id } };
      },
    },
    PATCH: {
      access: { kind: "staff", anyOf: ["crm.edit"] },
      mutates: true,
      request: async (w) => {
        const lead = await crmLead(w);
        const id = String(lead.id);
        return { url: `/api/crm/leads/${id}`, params: { id }, body: { json: { version: lead.updatedAt.toISOString(), followUpOn: "2026-12-24", finalRemark: "Suite" } } };
      },
    },
  },
  "app/api/crm/leads/[id]/stage/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["crm.edit"] },
      mutates: true,
      request: async (w) => {
        const id = String((await crmLead(w)).id);
        return { url: `/api/crm/leads/${id}/stage`, params: { id }, body: { json: { stage: "qualified" } } };
      },
    },
  },
  "app/api/marketing/conversions/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["marketing.conversions"] }, mutates: false, request: (w) => ({ url: `/api/marketing/conversions?projectId=${w.projectB.id}` }) },
    // Both platforms off: the suite's stage changes queue nothing.
    PUT: {
      access: { kind: "staff", anyOf: ["marketing.conversions"] },
      mutates: true,
      request: (w) => ({
        url: "/api/marketing/conversions",
        body: {
          json: {
            projectId: w.projectB.id,
            meta: { enabled: false, pixelId: "1234567890", testEventCode: "TEST123", eventNames: { new: null, qualified: "Lead", not_qualified: null, converted: "Purchase" } },
            ga4: { enabled: false, measurementId: "G-TEST1234", apiSecret: "suite-secret-1234" },
          },
        },
      }),
    },
  },
  "app/api/marketing/tags/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["marketing.tags"] }, mutates: false, request: () => ({ url: "/api/marketing/tags" }) },
    // The defaults again (no snippets): the suite's other pages stay without tags.
    PUT: {
      access: { kind: "staff", anyOf: ["marketing.tags"] },
      mutates: true,
      request: () => ({ url: "/api/marketing/tags", body: { json: { head: "", body: "", visitorPages: true, staffPages: false, extraHosts: [] } } }),
    },
  },
  "app/api/marketing/conversions/events/route.ts": {
    GET: { access: { kind: "staff", anyOf: ["marketing.conversions"] }, mutates: false, request: (w) => ({ url: `/api/marketing/conversions/events?projectId=${w.projectB.id}&limit=20` }) },
  },
  "app/api/marketing/conversions/test/route.ts": {
    // A GA4 test event for project B (its settings saved, the platform off: a test may precede turning it on); nothing delivers it here.
    POST: {
      access: { kind: "staff", anyOf: ["marketing.conversions"] },
      mutates: true,
      request: async (w) => {
        await w.db
          .insert(conversionConfigs)
          .values({ projectId: w.projectB.id, ga4MeasurementId: "G-TEST1234", ga4ApiSecretSealed: sealFor("ga4-api-secret", `project:${w.projectB.id}`, "suite-secret-1234"), ga4ApiSecretLast4: "1234" })
          .onConflictDoNothing();
        return { url: "/api/marketing/conversions/test", body: { json: { projectId: w.projectB.id, platform: "ga4" } } };
      },
    },
  },
  "app/api/crm/leads/[id]/notes/route.ts": {
    POST: {
      access: { kind: "staff", anyOf: ["crm.edit"] },
      mutates: true,
      request: async (w) => {
        const id = String((await crmLead(w)).id);
        return { url: `/api/crm/leads/${id}/notes`, params: { id }, body: { json: { body: "Suite note" } } };
      },
    },
  },
};

/**
 * A fresh web lead in project A, assigned to the agent with the CRM toggle:
 * inside every CRM reader's and editor's scope (agents see their own leads,
 * the others every lead).
 */
async function crmLead(w: World) {
  const { leads } = await import("../../db/schema");
  const [row] = await w.db.insert(leads).values({ source: "web", projectId: w.projectA.id, name: "Suite lead", email: "suite@example.test", assigneeId: w.staff.agentCrm.id }).returning();
  return row;
}

/** An uploaded CSV import (by the admin); `run`: imported, with one rejected row. */
async function leadImport(w: World, opts: { run?: boolean } = {}) {
  const { startLeadImport, uploadLeadImport } = await import("../../lib/crm/csv-import");
  const ctx = staffCtxFor(w.db, w.staff.admin);
  const body = new Response("name,email\nSuite,suite-import@example.test\nBad,not-an-email\n").body;
  const { result } = await uploadLeadImport({ ctx, input: { fileName: "suite.csv" }, body });
  if (!opts.run) return result;
  await startLeadImport({ ctx, input: { importId: result.id, projectId: w.projectA.id, mapping: ["name", "email"], duplicates: "skip" } });
  const { sweepLeadImports } = await import("../../lib/crm/csv-import-job");
  await sweepLeadImports(w.db);
  return result;
}

const SUITE_SHEET_ID = "1SuiteSheetAbCdEfGhIjKlMnOpQrStUvWxYz012345";
let fakeSheetsServer: ReturnType<typeof import("../../lib/crm/sheets/__tests__/fake-sheets").startFakeSheets> | undefined;

/** One fake Google (token endpoint + Sheets API) on 127.0.0.1 for the whole file. */
async function fakeSheets() {
  const { startFakeSheets } = await import("../../lib/crm/sheets/__tests__/fake-sheets");
  fakeSheetsServer ??= startFakeSheets();
  return fakeSheetsServer;
}

/** A Google Sheets source in project A (enabled), made by the admin: its id. */
async function sheetSource(w: World): Promise<number> {
  const { sheetSources } = await import("../../db/schema");
  const [row] = await w.db.insert(sheetSources).values({ name: "Suite sheet", projectId: w.projectA.id, spreadsheetId: SUITE_SHEET_ID, columnMapping: { Name: "name", Email: "email" } }).returning();
  return row.id;
}

/** The service-account key set (the fake's), the suite's sheet on the fake, and the Sheets API pointed at it. */
async function suiteSheets(w: World) {
  const fake = await fakeSheets();
  fake.setSheet(SUITE_SHEET_ID, [["Name", "Email"], ["Suite", "suite-sheet@example.test"]]);
  const { setServiceAccountKey } = await import("../../lib/crm/sheets/service-account");
  await setServiceAccountKey({ ctx: staffCtxFor(w.db, w.staff.admin), input: { key: fake.keyJson() } });
  const { getEnv } = await import("../../lib/env");
  const { setSingleton } = await import("../../lib/singleton");
  setSingleton("env", { ...getEnv(), googleSheetsRootUrl: fake.url, googleTokenUrl: `${fake.url}/token` });
}

/** The actor's own user id (their own quick reply), or null for visitors and anonymous callers. */
function staffId(w: World, actor: ActorName): number | null {
  return actor === "anonymous" || actor === "visitor" ? null : w.staff[actor].id;
}

/** Put the actor's two-factor sign-in on or off first (nothing for visitors and anonymous callers). */
async function setTwoFactor(w: World, actor: ActorName, on: boolean): Promise<void> {
  const uid = staffId(w, actor);
  if (!uid) return;
  const [user] = await w.db.select().from(users).where(eq(users.id, uid));
  if (on && !user.totpSecret) await enableTwoFactor({ ctx: staffCtxFor(w.db, user), input: { secret: newTotpSecret(), step: totpStep(new Date()) } });
  if (!on && user.totpSecret) await w.db.update(users).set({ totpSecret: null, totpEnabledAt: null, totpLastStep: null }).where(eq(users.id, uid));
}

/** A browser's CORS preflight from our own page (OWN is the Host's http origin). */
const preflightHeaders = { origin: "http://chat.example.test", "access-control-request-method": "POST", "access-control-request-headers": "content-type" };

export type Expected = "allowed" | 401 | 403 | 404;

/** What an actor must get from a route: derived from its declared access and the one policy. */
export function expectedFor(access: Access, actor: ActorName): Expected {
  switch (access.kind) {
    case "public":
    case "visitor-api":
      return "allowed";
    case "staff": {
      if (actor === "anonymous" || actor === "visitor") return 401;
      const s = STAFF_SPECS[actor];
      const ok = canAny(s, access.anyOf) && (access.allOf ?? []).every((p) => can(s, p));
      return ok ? "allowed" : 403;
    }
    case "conversation": {
      if (actor === "visitor") return "allowed";
      if (actor === "anonymous") return 404;
      const s = STAFF_SPECS[actor];
      if (!canAny(s, access.read)) return 404;
      if (access.write && !canAny(s, access.write)) return 403;
      return "allowed";
    }
  }
}

/**
 * Pages and layouts. `gate`: the console permission requireConsole checks
 * (anonymous → /login?next=<next>; signed in without it → their own
 * console); null for public pages. `signedInGoesHome`: the sign-in page sends
 * a signed-in member to their console.
 */
export type PageEntry = {
  /** Every one is needed (a console, and a section's permission). */
  gate: readonly Permission[] | null;
  /** Where the gate sends someone who isn't signed in (the sign-in page, with the way back). */
  signIn?: string;
  signedInGoesHome?: boolean;
  /**
   * A layout that renders nothing but its children (no data): the enclosing
   * console layout and the pages inside gate access. Named, so the console
   * folder rule in pages.test.ts can check that such an enclosing gate exists.
   */
  wrapsOnlyUnder?: string;
  /** A public page that only forwards (`/` → the default project's page). */
  forwardsTo?: string;
  props: (w: World) => Record<string, unknown>;
};

const noProps = () => ({ params: Promise.resolve({}), searchParams: Promise.resolve({}), children: null });

export const PAGES: Record<string, PageEntry> = {
  "app/admin/crm/page.tsx": { gate: ["console.admin", "crm.view"], signIn: "/login?next=%2Fadmin%2Fcrm", props: noProps },
  "app/manager/crm/page.tsx": { gate: ["console.manager", "crm.view"], signIn: "/login?next=%2Fmanager%2Fcrm", props: noProps },
  "app/admin/crm/import/page.tsx": { gate: ["console.admin", "crm.view", "crm.import"], signIn: "/login?next=%2Fadmin%2Fcrm%2Fimport", props: noProps },
  "app/admin/crm/sheets/page.tsx": { gate: ["console.admin", "crm.view", "crm.sheets"], signIn: "/login?next=%2Fadmin%2Fcrm%2Fsheets", props: noProps },
  "app/manager/crm/import/page.tsx": { gate: ["console.manager", "crm.view", "crm.import"], signIn: "/login?next=%2Fmanager%2Fcrm%2Fimport", props: noProps },
  "app/agent/crm/page.tsx": { gate: ["console.agent", "crm.view"], signIn: "/login?next=%2Fagent%2Fcrm", props: noProps },
  "app/qa/crm/page.tsx": { gate: ["console.qa", "crm.view"], signIn: "/login?next=%2Fqa%2Fcrm", props: noProps },
  "app/page.tsx": { gate: null, forwardsTo: "/p/default", props: noProps },
  "app/login/page.tsx": { gate: null, signedInGoesHome: true, props: noProps },
  "app/p/[slug]/chat/page.tsx": { gate: null, props: (w) => ({ params: Promise.resolve({ slug: w.projectA.slug }) }) },
  "app/admin/layout.tsx": { gate: ["console.admin"], signIn: "/login?next=%2Fadmin", props: noProps },
  "app/admin/page.tsx": { gate: ["console.admin", "overview.view"], signIn: "/login?next=%2Fadmin", props: noProps },
  "app/admin/chats/layout.tsx": { gate: null, wrapsOnlyUnder: "app/admin/layout.tsx", props: noProps },
  "app/admin/chats/page.tsx": { gate: ["console.admin", "chat.view_all"], signIn: "/login?next=%2Fadmin%2Fchats", props: noProps },
  "app/admin/chats/[id]/page.tsx": {
    gate: ["console.admin", "chat.view_all"],
    // The deep link itself, so signing in lands on the chat.
    signIn: "/login?next=%2Fadmin%2Fchats%2F42",
    // The page reads no chat (the modal loads it through the API, which checks it): any id in the URL's form.
    props: () => ({ params: Promise.resolve({ id: "42" }) }),
  },
  "app/manager/chats/layout.tsx": { gate: null, wrapsOnlyUnder: "app/manager/layout.tsx", props: noProps },
  "app/manager/chats/page.tsx": { gate: ["console.manager", "chat.view_all"], signIn: "/login?next=%2Fmanager%2Fchats", props: noProps },
  "app/manager/chats/[id]/page.tsx": {
    gate: ["console.manager", "chat.view_all"],
    signIn: "/login?next=%2Fmanager%2Fchats%2F42",
    // The page reads no chat (the modal loads it through the API, which checks it): any id in the URL's form.
    props: () => ({ params: Promise.resolve({ id: "42" }) }),
  },
  "app/admin/agents/page.tsx": { gate: ["console.admin", "agents.manage"], signIn: "/login?next=%2Fadmin%2Fagents", props: noProps },
  "app/admin/staff/page.tsx": { gate: ["console.admin", "staff.manage"], signIn: "/login?next=%2Fadmin%2Fstaff", props: noProps },
  "app/manager/agents/page.tsx": { gate: ["console.manager", "agents.manage"], signIn: "/login?next=%2Fmanager%2Fagents", props: noProps },
  "app/manager/staff/page.tsx": { gate: ["console.manager", "staff.manage"], signIn: "/login?next=%2Fmanager%2Fstaff", props: noProps },
  "app/admin/security/page.tsx": { gate: ["console.admin", "security.view"], signIn: "/login?next=%2Fadmin%2Fsecurity", props: noProps },
  "app/manager/security/page.tsx": { gate: ["console.manager", "security.view"], signIn: "/login?next=%2Fmanager%2Fsecurity", props: noProps },
  "app/admin/marketing/page.tsx": { gate: ["console.admin", "marketing.tags"], signIn: "/login?next=%2Fadmin%2Fmarketing", props: noProps },
  "app/manager/marketing/page.tsx": { gate: ["console.manager", "marketing.tags"], signIn: "/login?next=%2Fmanager%2Fmarketing", props: noProps },
  "app/admin/marketing/conversions/page.tsx": { gate: ["console.admin", "marketing.conversions"], signIn: "/login?next=%2Fadmin%2Fmarketing%2Fconversions", props: noProps },
  "app/manager/layout.tsx": { gate: ["console.manager"], signIn: "/login?next=%2Fmanager", props: noProps },
  "app/manager/page.tsx": { gate: ["console.manager", "overview.view"], signIn: "/login?next=%2Fmanager", props: noProps },
  "app/agent/layout.tsx": { gate: ["console.agent"], signIn: "/login?next=%2Fagent", props: noProps },
  "app/agent/page.tsx": { gate: ["console.agent"], signIn: "/login?next=%2Fagent", props: noProps },
  "app/qa/layout.tsx": { gate: ["console.qa"], signIn: "/login?next=%2Fqa", props: noProps },
  "app/account/layout.tsx": { gate: ["profile.view"], signIn: "/login?next=%2Faccount%2Fsecurity", props: noProps },
  "app/account/security/page.tsx": { gate: ["profile.view"], signIn: "/login?next=%2Faccount%2Fsecurity", props: noProps },
  "app/qa/page.tsx": { gate: ["console.qa", "chat.view_all"], signIn: "/login?next=%2Fqa", props: noProps },
  "app/admin/projects/page.tsx": { gate: ["console.admin", "projects.edit"], signIn: "/login?next=%2Fadmin%2Fprojects", props: noProps },
  "app/admin/projects/[id]/page.tsx": {
    gate: ["console.admin", "projects.edit"],
    signIn: "/login?next=%2Fadmin%2Fprojects",
    props: (w) => ({ params: Promise.resolve({ id: String(w.projectB.id) }) }),
  },
};

/** Every (file, method, entry) of the manifest. */
export const ROUTE_ENTRIES = Object.entries(ROUTES).flatMap(([file, methods]) =>
  Object.entries(methods).map(([method, entry]) => ({ file, method: method as Method, entry: entry! })),
);

/**
 * Call one manifest entry's handler as one actor, as Next would: the entry's
 * request with the actor's credentials, `headers` on top (null removes one).
 */
export async function callRoute(
  s: Suite,
  w: World,
  route: { file: string; method: Method; entry: RouteEntry },
  actor: ActorName,
  headers: Record<string, string | null> = {},
): Promise<Response> {
  const spec = await route.entry.request(w, actor);
  const req = await request(route.method, spec.url, { body: spec.body, headers: { ...(await credentials(s.db, w, actor)), ...spec.headers, ...headers } });
  const handler = (await appModule(route.file))[route.method] as Handler;
  return handler(req, routeContext(spec.params));
}

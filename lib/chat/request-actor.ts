import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { conversations, projects } from "../../db/schema";
import { staffActor, type Ctx } from "../ctx";
import { findStaffBySession, readCookie, SESSION_COOKIE } from "../auth/session";
import { AppError } from "../errors";
import { assertSameOrigin, clientIp } from "../http";
import { assertVisitorOrigin, visitorOriginOf } from "../security/cors";
import { findVisitorByToken, readVisitorToken } from "./visitor-session";

/**
 * The actor behind an HTTP request that concerns one conversation: a signed-in
 * staff member, or the visitor whose token (header, project cookie or `vt`
 * query for <img> in the widget) belongs to that conversation's project.
 * Unknown → the same 404 as a conversation that doesn't exist. A visitor's
 * state change (an upload) must come from our own page or one of the
 * project's embed origins: the visitor cookie rides along from a sibling
 * subdomain's form too.
 */
export async function chatCtxFromRequest(req: Request, db: Db, conversationId: number): Promise<Ctx> {
  const base = { db, now: new Date(), ip: clientIp(req) };
  const user = await findStaffBySession(db, readCookie(req.headers.get("cookie"), SESSION_COOKIE));
  if (user) {
    // A staff cookie rides along on any request: state changes must come from our own pages.
    assertSameOrigin(req);
    return { ...base, actor: staffActor(user) };
  }
  const [c] = await db
    .select({ projectId: conversations.projectId })
    .from(conversations)
    .where(eq(conversations.id, conversationId))
    .limit(1);
  if (c) {
    const token = readVisitorToken(req, c.projectId) ?? new URL(req.url).searchParams.get("vt") ?? undefined;
    const visitor = token ? await findVisitorByToken(db, c.projectId, token) : null;
    if (visitor && req.method !== "GET" && req.method !== "HEAD") {
      const [project] = await db.select({ allowedOrigins: projects.allowedOrigins }).from(projects).where(eq(projects.id, c.projectId)).limit(1);
      assertVisitorOrigin(project ?? { allowedOrigins: [] }, visitorOriginOf(req.headers));
    }
    if (visitor) return { ...base, actor: { type: "visitor", visitorId: visitor.id, projectId: c.projectId } };
  }
  throw new AppError("not_found", "Conversation not found.");
}

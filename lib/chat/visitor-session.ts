import { and, desc, eq, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { conversations, projects, visitors, type ConversationStatus } from "../../db/schema";
import { readCookie, setCookie } from "../cookies";
import { AppError } from "../errors";
import { findProjectBySlug } from "../projects/default-project";
import { assertVisitorOrigin, type VisitorOrigin } from "../security/cors";

/** 400 days: the longest lifetime browsers accept for a cookie. */
export const VISITOR_COOKIE_MAX_AGE = 400 * 24 * 3600;
export const VISITOR_TOKEN_HEADER = "x-visitor-token";

/** Project-scoped, so two projects in one browser never see each other's token. */
export function visitorCookieName(projectId: number): string {
  return `occ_v_${projectId}`;
}

/** localStorage key the visitor page keeps its copy of the token under. */
export function visitorStorageKey(slug: string): string {
  return `occ:v:${slug}`;
}

/** Tokens are 32 random bytes, base64url (43 chars); anything else is not worth a query. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;
export const VisitorToken = z.string().regex(TOKEN_SHAPE);

export function isTokenShaped(token: unknown): token is string {
  return typeof token === "string" && TOKEN_SHAPE.test(token);
}

/** The `Set-Cookie` value carrying a visitor token (SameSite=Lax, Secure on https). */
export function visitorSetCookie(projectId: number, token: string): string {
  // HttpOnly: page scripts get the token from localStorage or the server render, never from the cookie.
  return setCookie(visitorCookieName(projectId), token, { maxAge: VISITOR_COOKIE_MAX_AGE });
}

/** The visitor token a request carries for a project: `x-visitor-token` header, else the project cookie. */
export function readVisitorToken(req: Request, projectId: number): string | null {
  return readVisitorTokenFromHeaders(req.headers, projectId);
}

export function readVisitorTokenFromHeaders(headers: { get(name: string): string | null }, projectId: number): string | null {
  const header = headers.get(VISITOR_TOKEN_HEADER)?.trim();
  if (header) return isTokenShaped(header) ? header : null;
  const cookie = readCookie(headers.get("cookie"), visitorCookieName(projectId));
  return isTokenShaped(cookie) ? cookie : null;
}

export type Visitor = typeof visitors.$inferSelect;

/** The visitor behind a token, or null unless the token belongs to `projectId`. */
export async function findVisitorByToken(db: Db, projectId: number, token: string | null | undefined): Promise<Visitor | null> {
  if (!isTokenShaped(token)) return null;
  const [row] = await db
    .select()
    .from(visitors)
    .where(and(eq(visitors.token, token), eq(visitors.projectId, projectId)))
    .limit(1);
  return row ?? null;
}

/**
 * For the ws upgrade (`/ws?vt=<token>&project=<slug>`): the visitor and
 * project, or null when the slug is unknown or the token isn't that project's.
 */
export async function findVisitorBySlugAndToken(
  db: Db,
  slug: string | null | undefined,
  token: string | null | undefined,
): Promise<{ visitor: Visitor; project: typeof projects.$inferSelect } | null> {
  if (!slug || slug.length > 100 || !isTokenShaped(token)) return null;
  const project = await findProjectBySlug(db, slug);
  if (!project) return null;
  const visitor = await findVisitorByToken(db, project.id, token);
  return visitor ? { visitor, project } : null;
}

export type VisitorConversation = { id: number; status: ConversationStatus; visitorId: number; projectId: number };

/** The visitor's conversation to show: the latest non-closed one, else the latest closed one. */
export async function findLatestConversation(db: Db, visitorId: number): Promise<VisitorConversation | null> {
  const [row] = await db
    .select({ id: conversations.id, status: conversations.status, visitorId: conversations.visitorId, projectId: conversations.projectId })
    .from(conversations)
    .where(eq(conversations.visitorId, visitorId))
    .orderBy(sql`(${conversations.status} = 'closed')`, desc(conversations.createdAt), desc(conversations.id))
    .limit(1);
  return row ?? null;
}

/** The visitor's open (non-closed) conversation, if any. */
export async function findOpenConversation(db: Db, visitorId: number): Promise<VisitorConversation | null> {
  const [row] = await db
    .select({ id: conversations.id, status: conversations.status, visitorId: conversations.visitorId, projectId: conversations.projectId })
    .from(conversations)
    .where(and(eq(conversations.visitorId, visitorId), ne(conversations.status, "closed")))
    .orderBy(desc(conversations.createdAt), desc(conversations.id))
    .limit(1);
  return row ?? null;
}

/**
 * The conversation a token opens in a project (latest, preferring non-closed),
 * or null — also when the token belongs to another project.
 */
export async function resolveVisitorConversation(
  db: Db,
  projectId: number,
  token: string | null | undefined,
): Promise<(VisitorConversation & { visitor: Visitor }) | null> {
  const visitor = await findVisitorByToken(db, projectId, token);
  if (!visitor) return null;
  const conv = await findLatestConversation(db, visitor.id);
  return conv ? { ...conv, visitor } : null;
}

export const ResumeSessionInput = z.object({
  slug: z.string().trim().min(1).max(100),
  token: z.string().max(200).optional(),
});
export type ResumeSessionInput = z.infer<typeof ResumeSessionInput>;

/**
 * Resume a visitor's conversation from a token (body, header or cookie). One
 * 404 for every miss, so a probe can't tell "unknown" from "other project's".
 */
export async function resumeVisitorSession(a: {
  db: Db;
  now: Date;
  input: unknown;
  headers?: { get(name: string): string | null };
  origin?: VisitorOrigin;
}): Promise<{ token: string; projectId: number; visitorId: number; conversationId: number; visitor: { name: string } }> {
  const input = ResumeSessionInput.parse(a.input);
  const project = await findProjectBySlug(a.db, input.slug);
  if (!project) throw new AppError("not_found", "No conversation found.");
  if (a.origin) assertVisitorOrigin(project, a.origin);
  const token = input.token || (a.headers ? readVisitorTokenFromHeaders(a.headers, project.id) : null);
  const found = await resolveVisitorConversation(a.db, project.id, token);
  if (!found || !token) throw new AppError("not_found", "No conversation found.");
  await a.db.update(visitors).set({ lastSeenAt: a.now }).where(eq(visitors.id, found.visitor.id));
  return {
    token,
    projectId: project.id,
    visitorId: found.visitor.id,
    conversationId: found.id,
    visitor: { name: found.visitor.name },
  };
}

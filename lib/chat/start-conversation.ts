import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { conversations, leads, visitorAttributions, visitors } from "../../db/schema";
import { AttributionInput, buildAttribution, resolveGeo } from "../attribution";
import { getEnv } from "../env";
import { AppError } from "../errors";
import { findProjectBySlug } from "../projects/default-project";
import { assertVisitorOrigin, type VisitorOrigin } from "../security/cors";
import { isIpBlocked } from "../security/ip-blocks";
import { checkEmail, checkName, isCountryCode, normalizePhone } from "./contact";
import { findOpenConversation, findVisitorByToken } from "./visitor-session";
import { withTransaction, type Ctx } from "../ctx";
import { effects, type VerbResult } from "../verb";

/**
 * The visitor's contact form plus what their browser reports. Contact fields
 * are strict (a bad one is a 400 naming the field); attribution is lenient
 * (a bad value is dropped, the chat still starts).
 */
export const StartConversationInput = z
  .object({
    slug: z.string().trim().min(1).max(100),
    name: z.string({ error: "Please enter your name." }).max(1000),
    /** ISO 3166-1 alpha-2 of the country picker; the phone may also be international ("+44 …"). */
    country: z.string().max(2).optional().catch(undefined),
    phone: z.string({ error: "Please enter your phone number." }).max(1000),
    email: z.string({ error: "Please enter your email address." }).max(1000),
    /** A token the browser already holds for this project. */
    token: z.string().max(200).optional().catch(undefined),
    attribution: AttributionInput.optional(),
  })
  .transform((v, ctx) => {
    const country = isCountryCode(v.country) ? v.country : null;
    const phone = normalizePhone(v.phone, country);
    const nameError = checkName(v.name);
    const emailError = checkEmail(v.email);
    if (nameError) ctx.addIssue({ code: "custom", path: ["name"], message: nameError });
    if (!phone.ok) ctx.addIssue({ code: "custom", path: ["phone"], message: phone.error });
    if (emailError) ctx.addIssue({ code: "custom", path: ["email"], message: emailError });
    if (nameError || emailError || !phone.ok) return z.NEVER;
    return {
      slug: v.slug,
      name: v.name.trim(),
      phone: phone.e164,
      email: v.email.trim(),
      token: v.token,
      attribution: v.attribution ?? {},
    };
  });
export type StartConversationInput = z.input<typeof StartConversationInput>;

type HeaderSource = { get(name: string): string | null };

export type StartConversationResult = {
  token: string;
  visitorId: number;
  conversationId: number;
  projectId: number;
  /** False when an open conversation of this visitor was returned instead. */
  created: boolean;
};

export function newVisitorToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Start (or resume) a visitor's chat from the contact form.
 *
 * A blocked IP gets `blocked` (a bare 403) and nothing is written. A token
 * that belongs to this project reuses its visitor, and that visitor's open
 * conversation if there is one; otherwise a new visitor, its attribution, a
 * `queued` conversation and its lead are created in one transaction. Publishing the new
 * chat and routing it are the caller's job, after this returns.
 */
export async function startConversation(a: {
  ctx: Ctx;
  input: unknown;
  /** Request headers: User-Agent, Accept-Language, trusted geo headers. */
  headers?: HeaderSource;
  /** The calling page's origin, checked against the project's whitelist. */
  origin?: VisitorOrigin;
}): Promise<VerbResult<StartConversationResult>> {
  const { ctx } = a;
  const ip = ctx.ip ?? "";
  // Silently, before anything else: a banned visitor learns nothing.
  if (ip && isIpBlocked(ip, ctx.now.getTime())) throw new AppError("blocked", "Forbidden.");
  const input = StartConversationInput.parse(a.input);
  const project = await findProjectBySlug(ctx.db, input.slug);
  if (!project) throw new AppError("not_found", "This chat page does not exist.");
  if (a.origin) assertVisitorOrigin(project, a.origin);

  const env = getEnv();
  const headers = a.headers ?? new Headers();
  const geo = await resolveGeo({ headers, ip, trustProxy: env.trustProxy, geoipDb: env.geoipDb });

  const result = await withTransaction(ctx, (t) => createOrResume(t.db, { now: ctx.now, ip, input, project, headers, geo }));
  // A new chat shows in the inboxes and goes to the next eligible agent.
  return {
    result,
    effects: result.created ? effects({ conversations: [{ id: result.conversationId }], drain: true }) : effects(),
  };
}

async function createOrResume(
  tx: Db,
  a: {
    now: Date;
    ip: string;
    input: z.output<typeof StartConversationInput>;
    project: { id: number };
    headers: HeaderSource;
    geo: Awaited<ReturnType<typeof resolveGeo>>;
  },
): Promise<StartConversationResult> {
  const { input, project, headers, geo } = a;
  const ip = a.ip || null;
  let visitor = await findVisitorByToken(tx, project.id, input.token);
  if (visitor) {
    // Serialise concurrent starts for one visitor so they can't open two chats.
    await tx.select({ id: visitors.id }).from(visitors).where(eq(visitors.id, visitor.id)).for("update");
    const open = await findOpenConversation(tx, visitor.id);
    if (open) {
      await tx.update(visitors).set({ lastSeenAt: a.now }).where(eq(visitors.id, visitor.id));
      return { token: visitor.token, visitorId: visitor.id, conversationId: open.id, projectId: project.id, created: false };
    }
    [visitor] = await tx
      .update(visitors)
      .set({ name: input.name, phone: input.phone, email: input.email, lastSeenAt: a.now })
      .where(eq(visitors.id, visitor.id))
      .returning();
  }
  const returning = visitor !== null;
  if (!visitor) {
    [visitor] = await tx
      .insert(visitors)
      .values({
        projectId: project.id,
        token: newVisitorToken(),
        name: input.name,
        phone: input.phone,
        email: input.email,
        firstIp: ip,
        createdAt: a.now,
        lastSeenAt: a.now,
      })
      .returning();
  }
  const attribution = buildAttribution({
    input: input.attribution,
    userAgent: headers.get("user-agent"),
    acceptLanguage: headers.get("accept-language"),
    ip: a.ip,
    geo,
    returning,
  });
  const [attr] = await tx
    .insert(visitorAttributions)
    .values({ ...attribution, visitorId: visitor.id, createdAt: a.now })
    .returning({ id: visitorAttributions.id });
  const [conv] = await tx
    .insert(conversations)
    .values({
      projectId: project.id,
      visitorId: visitor.id,
      attributionId: attr.id,
      status: "queued",
      visitorPhone: input.phone,
      ip,
      queuedAt: a.now,
      lastMessageAt: a.now,
      createdAt: a.now,
      // Not connected until their socket joins: a visitor who never does goes offline after the 15 s grace.
      visitorOfflineSince: a.now,
    })
    .returning({ id: conversations.id });
  // Every chat is a lead (source "chat") from its first moment, with the chat's attribution.
  await tx.insert(leads).values({
    source: "chat",
    projectId: project.id,
    conversationId: conv.id,
    visitorId: visitor.id,
    attributionId: attr.id,
    name: input.name,
    phone: input.phone,
    email: input.email,
    createdAt: a.now,
    updatedAt: a.now,
  });
  return { token: visitor.token, visitorId: visitor.id, conversationId: conv.id, projectId: project.id, created: true };
}

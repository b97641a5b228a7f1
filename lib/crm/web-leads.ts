import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { leads, visitorAttributions } from "../../db/schema";
import { buildAttribution, resolveGeo } from "../attribution";
import { MAX } from "../attribution/limits";
import { checkEmail, checkName, isCountryCode, normalizePhone } from "../chat/contact";
import { withTransaction, type Ctx } from "../ctx";
import { getEnv } from "../env";
import { AppError } from "../errors";
import { findDefaultProject, findProjectBySlug } from "../projects/default-project";
import { assertVisitorOrigin, type VisitorOrigin } from "../security/cors";
import { isIpBlocked } from "../security/ip-blocks";
import { effects, type VerbResult } from "../verb";

/** The fields a web form's submission is read for; everything else is kept as the lead's extra data. */
const KNOWN = [
  "project",
  "name",
  "phone",
  "email",
  "country",
  "page_url",
  "landing_url",
  "referrer",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_term",
  "utm_content",
  "gclid",
  "fbclid",
  // Ad-platform cookies a form may pass on (_fbp, _fbc, _ga, the first _ga_<id>): validated like the chat's (lib/attribution/cookies.ts).
  "fbp",
  "fbc",
  "ga",
  "ga_session",
  "submission_id",
] as const;
type Known = (typeof KNOWN)[number];

/** The extra field holding the form's page when the visit landed elsewhere first. */
export const FORM_PAGE = "Form page";

/** Bounds on what a form may hand us beyond the known fields. */
export const EXTRA_LIMITS = { fields: 50, key: 64, value: 2000 } as const;

/** An Idempotency-Key or a client's submission id: printable ASCII, no spaces. */
export const SubmissionId = z
  .string()
  .trim()
  .min(1)
  .max(200, "Use at most 200 characters.")
  .regex(/^[\x21-\x7e]+$/, "Use printable characters without spaces.");

const text = (max: number) => z.string().max(max, `Use at most ${max} characters.`).optional();

/**
 * A submission as the route hands it over: a flat record of strings (JSON
 * scalars are stringified by the route; nested values refused there).
 * Contact fields are strict (a bad one is a 400 naming it; at least a phone
 * or an email); attribution is cut to its column caps, never refused.
 */
export const WebLeadInput = z
  .object({
    project: z.string().trim().max(100).optional(),
    name: text(1000),
    phone: text(1000),
    email: text(1000),
    country: z.string().max(2).optional().catch(undefined),
    page_url: text(8192),
    /** The visit's first page (lead-form.js keeps it across pages): the ad's landing page, where the UTM came from. */
    landing_url: text(8192),
    referrer: text(8192),
    utm_source: text(1000),
    utm_medium: text(1000),
    utm_campaign: text(1000),
    utm_term: text(1000),
    utm_content: text(1000),
    gclid: text(2000),
    fbclid: text(2000),
    fbp: text(2000),
    fbc: text(2000),
    ga: text(2000),
    ga_session: text(2000),
    submission_id: SubmissionId.optional(),
    extra: z.record(z.string(), z.string()).default({}),
  })
  .transform((v, ctx) => {
    const name = v.name?.trim() ?? "";
    const rawPhone = v.phone?.trim() ?? "";
    const email = v.email?.trim() ?? "";
    if (!rawPhone && !email) {
      for (const path of ["phone", "email"]) ctx.addIssue({ code: "custom", path: [path], message: "Give a phone number or an email address." });
      return z.NEVER;
    }
    const nameError = name ? checkName(name) : null;
    const emailError = email ? checkEmail(email) : null;
    const phone = rawPhone ? normalizePhone(rawPhone, isCountryCode(v.country) ? v.country : null) : null;
    if (nameError) ctx.addIssue({ code: "custom", path: ["name"], message: nameError });
    if (emailError) ctx.addIssue({ code: "custom", path: ["email"], message: emailError });
    if (phone && !phone.ok) ctx.addIssue({ code: "custom", path: ["phone"], message: phone.error });
    if (nameError || emailError || (phone && !phone.ok)) return z.NEVER;
    const extra = Object.entries(v.extra);
    if (extra.length > EXTRA_LIMITS.fields) {
      ctx.addIssue({ code: "custom", path: ["extra"], message: `Send at most ${EXTRA_LIMITS.fields} other fields.` });
      return z.NEVER;
    }
    for (const [k, value] of extra) {
      if (k.length > EXTRA_LIMITS.key || value.length > EXTRA_LIMITS.value) {
        ctx.addIssue({ code: "custom", path: [k.slice(0, EXTRA_LIMITS.key)], message: `Field names are at most ${EXTRA_LIMITS.key} characters and values at most ${EXTRA_LIMITS.value}.` });
        return z.NEVER;
      }
    }
    // The landing page is where the visit began (the ad's URL); the form's own page, when elsewhere, is kept beside it.
    const landing = v.landing_url?.trim() || v.page_url;
    const formPage: Record<string, string> =
      v.landing_url?.trim() && v.page_url && v.page_url !== v.landing_url.trim() ? { [FORM_PAGE]: v.page_url.slice(0, EXTRA_LIMITS.value) } : {};
    return {
      project: v.project || null,
      name,
      phone: phone?.ok ? phone.e164 : "",
      email,
      submissionId: v.submission_id ?? null,
      attribution: {
        landingUrl: landing?.slice(0, MAX.url),
        referrer: v.referrer?.slice(0, MAX.url),
        utmSource: v.utm_source?.slice(0, MAX.utm),
        utmMedium: v.utm_medium?.slice(0, MAX.utm),
        utmCampaign: v.utm_campaign?.slice(0, MAX.utm),
        utmTerm: v.utm_term?.slice(0, MAX.utm),
        utmContent: v.utm_content?.slice(0, MAX.utm),
        gclid: v.gclid?.slice(0, MAX.clickId),
        fbclid: v.fbclid?.slice(0, MAX.clickId),
        fbp: v.fbp?.slice(0, MAX.clickId),
        fbc: v.fbc?.slice(0, MAX.clickId),
        ga: v.ga?.slice(0, MAX.clickId),
        gaSession: v.ga_session?.slice(0, MAX.clickId),
      },
      extra: { ...Object.fromEntries(extra.map(([k, value]) => [k.replace(/[\u0000-\u001f\u007f]/g, ""), value])), ...formPage },
    };
  });

/**
 * A flat submission (form fields or a JSON object) → the verb's input: known
 * fields by name, the rest as `extra`. JSON numbers and booleans are kept as
 * text; nested objects, arrays and repeated fields are refused (400), so a
 * form can't smuggle structure into the lead.
 */
export function submissionFields(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const known: Partial<Record<Known, string>> = {};
  const extra: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [key, raw] of entries) {
    if (seen.has(key)) throw new AppError("bad_request", `The field "${key.slice(0, 64)}" is sent more than once.`, { details: { fields: { [key.slice(0, 64)]: "Send each field once." } } });
    seen.add(key);
    if (raw === null || raw === undefined) continue;
    if (typeof raw === "object") throw new AppError("bad_request", `The field "${key.slice(0, 64)}" must be text.`, { details: { fields: { [key.slice(0, 64)]: "Send text." } } });
    const value = String(raw);
    if ((KNOWN as readonly string[]).includes(key)) known[key as Known] = value;
    else if (value !== "") extra[key] = value;
  }
  return { ...known, extra };
}

type HeaderSource = { get(name: string): string | null };

export type WebLeadResult = { leadId: number; projectId: number; created: boolean };

/**
 * A lead from a web form (`POST /api/web-leads`, lead-form.js). A blocked IP
 * gets the bare 403 before anything is read. The project is the slug's, or
 * the default one; a browser's origin must be one the project allows. A
 * submission id (Idempotency-Key) makes a retry return the first lead: the
 * lead row is claimed first (the partial unique index leads_web_ref_uq
 * decides), so a retry racing the original writes nothing, not even an
 * attribution row.
 */
export async function createWebLead(a: {
  ctx: Ctx;
  input: unknown;
  /** The Idempotency-Key header, when sent; wins over a submission_id field. */
  idempotencyKey?: string | null;
  headers?: HeaderSource;
  origin?: VisitorOrigin;
}): Promise<VerbResult<WebLeadResult>> {
  const { ctx } = a;
  const ip = ctx.ip ?? "";
  if (ip && isIpBlocked(ip, ctx.now.getTime())) throw new AppError("blocked", "Forbidden.");
  const input = WebLeadInput.parse(a.input);
  let key = input.submissionId;
  if (a.idempotencyKey != null) {
    const parsed = SubmissionId.safeParse(a.idempotencyKey);
    if (!parsed.success) throw new AppError("bad_request", "The Idempotency-Key header must be 1–200 printable characters.");
    key = parsed.data;
  }
  const project = input.project ? await findProjectBySlug(ctx.db, input.project) : await findDefaultProject(ctx.db);
  if (!project) throw new AppError("not_found", input.project ? "No project has this slug." : "There is no default project.");
  if (a.origin) assertVisitorOrigin(project, a.origin);

  const env = getEnv();
  const headers = a.headers ?? new Headers();
  const geo = await resolveGeo({ headers, ip, trustProxy: env.trustProxy, geoipDb: env.geoipDb });
  const attribution = buildAttribution({
    input: input.attribution,
    userAgent: headers.get("user-agent"),
    acceptLanguage: headers.get("accept-language"),
    ip,
    geo,
    returning: false,
  });

  const result = await withTransaction(ctx, async ({ db }) => {
    const [lead] = await db
      .insert(leads)
      .values({
        source: "web",
        projectId: project.id,
        externalRef: key,
        name: input.name,
        phone: input.phone,
        email: input.email,
        extra: input.extra,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .onConflictDoNothing({
        target: [leads.projectId, leads.externalRef],
        where: sql`${leads.source} = 'web' and ${leads.externalRef} is not null`,
      })
      .returning({ id: leads.id });
    if (!lead) {
      const [first] = await db
        .select({ id: leads.id })
        .from(leads)
        .where(and(eq(leads.projectId, project.id), eq(leads.source, "web"), eq(leads.externalRef, key!)))
        .limit(1);
      return { leadId: first.id, projectId: project.id, created: false };
    }
    const [attr] = await db
      .insert(visitorAttributions)
      .values({ ...attribution, visitorId: null, createdAt: ctx.now })
      .returning({ id: visitorAttributions.id });
    await db.update(leads).set({ attributionId: attr.id }).where(eq(leads.id, lead.id));
    return { leadId: lead.id, projectId: project.id, created: true };
  });
  // The CRM's live list is the CRM issue's; nothing to publish yet.
  return { result, effects: effects() };
}

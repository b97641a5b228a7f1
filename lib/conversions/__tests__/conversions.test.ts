import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { rowsOf } from "../../../db/raw";
import { auditLog, conversations, conversionEvents, leads, visitorAttributions } from "../../../db/schema";
import { createConversation, createProject, createStaff, staffCtxFor } from "../../../tests/factories";
import { openSuite, request, routeContext, staffCookie, type Handler, type Suite } from "../../../tests/security/helpers";
import { setLeadStage } from "../../chat/set-lead-stage";
import { setLeadStageOfLead } from "../../crm/set-lead-stage-of-lead";
import { createWebLead, submissionFields } from "../../crm/web-leads";
import { anonymousCtx, withTransaction } from "../../ctx";
import { logger } from "../../logger";
import { getConversionConfig, updateConversionConfig } from "../config";
import { backoffMs, claimDueConversions, conversionJobs, deliverDueConversions, LEASE_MS, MAX_EVENT_AGE_MS } from "../deliver";
import { listConversionEvents } from "../../conversions-admin";
import { sendTestConversion } from "../send-test-event";
import { DealValue } from "../outbox";
import { startFakePlatforms } from "./fake-platforms";

const META_EMAIL_HASH = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f";
const META_PHONE_HASH = "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176";
const TOKEN = "EAAGfakeAccessToken0123456789abcdefSECRET";
const TOKEN2 = "EAAGsecondAccessToken9876543210zyxwvuNEW2";
const API_SECRET = "ga4ApiSecret_ABCdef123";
const PIXEL = "123456789012345";
const UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const CAPTURED = new Date("2026-11-20T09:00:00.000Z");
const T0 = new Date("2026-11-20T10:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

let s: Suite;
let fake: Awaited<ReturnType<typeof startFakePlatforms>>;
let admin: Awaited<ReturnType<typeof createStaff>>;
const logged: string[] = [];

beforeAll(async () => {
  fake = await startFakePlatforms();
  // The worker's endpoints come from lib/env.ts: the fake stands in for graph.facebook.com and google-analytics.com.
  s = await openSuite({ META_GRAPH_URL: fake.base, GA4_MP_URL: fake.base, META_GRAPH_VERSION: "v26.0" });
  admin = await createStaff(s.db, { role: "admin", displayName: "Asha Admin" });
  for (const level of ["info", "warn", "error"] as const) {
    const orig = logger[level].bind(logger);
    vi.spyOn(logger, level).mockImplementation(((...args: unknown[]) => {
      logged.push(JSON.stringify(args, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)));
      return (orig as (...a: unknown[]) => void)(...args);
    }) as never);
  }
});
afterAll(async () => {
  vi.restoreAllMocks();
  await s?.close();
  await fake?.close();
});
beforeEach(async () => {
  fake.reset();
  // Each test's worker runs see only its own rows.
  await s.db.update(conversionEvents).set({ status: "failed", lastError: "test isolation" }).where(eq(conversionEvents.status, "queued"));
});
afterEach(() => {
  // Never, anywhere, a secret in a log line.
  for (const line of logged) for (const secret of [TOKEN, TOKEN2, API_SECRET]) expect(line).not.toContain(secret);
});

const ctx = (now = T0) => staffCtxFor(s.db, admin, now);
const deliver = (now: Date, opts: { timeoutMs?: number } = {}) => deliverDueConversions(s.db, { now, random: () => 0.5, timeoutMs: opts.timeoutMs ?? 2_000 });

async function configuredProject(o: { meta?: boolean; ga4?: boolean; testEventCode?: string | null } = {}) {
  const project = await createProject(s.db);
  await updateConversionConfig({
    ctx: ctx(),
    input: {
      projectId: project.id,
      meta: {
        enabled: o.meta ?? true,
        pixelId: PIXEL,
        accessToken: TOKEN,
        testEventCode: o.testEventCode ?? null,
        eventNames: { new: null, qualified: "Lead", not_qualified: null, converted: "Purchase" },
      },
      ga4: { enabled: o.ga4 ?? true, measurementId: "G-ABC1234XYZ", apiSecret: API_SECRET },
    },
  });
  return project;
}

/** A chat's lead as the chat start writes it: visitor, conversation, attribution, lead. */
async function chatLead(projectId: number, o: { email?: string; phone?: string; attr?: Partial<typeof visitorAttributions.$inferInsert> } = {}) {
  const { visitor, conversation } = await createConversation(s.db, { projectId, status: "active", assigneeId: admin.id });
  const [attr] = await s.db
    .insert(visitorAttributions)
    .values({
      visitorId: visitor.id,
      ip: "203.0.113.9",
      userAgent: UA,
      landingUrl: "https://shop.example/landing?utm_source=fb&fbclid=IwAR-click_1",
      utmSource: "fb",
      utmMedium: "cpc",
      utmCampaign: "spring",
      fbclid: "IwAR-click_1",
      fbp: "fb.1.1596403881668.1116446470",
      gaClientId: "111.222",
      gaSessionId: "1700000000",
      createdAt: CAPTURED,
      ...o.attr,
    })
    .returning();
  await s.db.update(conversations).set({ attributionId: attr.id }).where(eq(conversations.id, conversation.id));
  const [lead] = await s.db
    .insert(leads)
    .values({
      source: "chat",
      projectId,
      conversationId: conversation.id,
      visitorId: visitor.id,
      attributionId: attr.id,
      name: "John Smith",
      email: o.email ?? "John_Smith@gmail.com",
      phone: o.phone ?? "+16505551212",
      createdAt: CAPTURED,
    })
    .returning();
  return { conversation, lead, attr };
}

const rowsOfLead = (leadId: number) => s.db.select().from(conversionEvents).where(eq(conversionEvents.leadId, leadId)).orderBy(conversionEvents.platform);
const rowById = async (id: number) => (await s.db.select().from(conversionEvents).where(eq(conversionEvents.id, id)))[0];
const metaRequests = () => fake.requests.filter((r) => r.path.endsWith("/events"));
const ga4Requests = () => fake.requests.filter((r) => r.path.endsWith("/collect"));
type MetaBody = { data: Record<string, unknown>[]; access_token: string; test_event_code?: string };
type Ga4Body = { client_id: string; timestamp_micros?: number; events: { name: string; params: Record<string, unknown> }[] };

describe("the outbox, written by the stage change", () => {
  it("commits with the stage change and not without it: a rolled-back change sends nothing", async () => {
    const project = await configuredProject();
    const { conversation, lead } = await chatLead(project.id);
    await expect(
      withTransaction(ctx(), async (tx) => {
        await setLeadStage({ ctx: tx, input: { conversationId: conversation.id, stage: "qualified" } });
        throw new Error("a later step of the same transaction failed");
      }),
    ).rejects.toThrow("later step");
    expect(await rowsOfLead(lead.id)).toEqual([]);
    expect((await s.db.select().from(leads).where(eq(leads.id, lead.id)))[0].stage).toBe("new");
    expect((await deliver(at(1000))).claimed).toBe(0);
    expect(fake.requests).toEqual([]);

    const { leadEvent } = await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "qualified" } });
    const rows = await rowsOfLead(lead.id);
    expect(rows.map((r) => [r.platform, r.eventName, r.status])).toEqual([
      ["meta", "Lead", "queued"],
      ["ga4", "qualify_lead", "queued"],
    ]);
    // One id for the browser copy and both server events: Meta deduplicates pixel and server.
    expect(new Set(rows.map((r) => r.eventId))).toEqual(new Set([leadEvent!.event_id]));
    expect(leadEvent).toMatchObject({
      event: "lead_stage_changed",
      stage: "qualified",
      lead_id: lead.id,
      project: project.slug,
      agent: "Asha Admin",
      utm_source: "fb",
      utm_medium: "cpc",
      utm_campaign: "spring",
      em: META_EMAIL_HASH,
      ph: META_PHONE_HASH,
    });
    // The payload never holds the plain contact data.
    const stored = JSON.stringify(rows.map((r) => r.payload));
    expect(stored).not.toContain("John_Smith");
    expect(stored.toLowerCase()).not.toContain("john_smith@gmail.com");
    expect(stored).not.toContain("+16505551212");
    // The same stage again: no change, no event.
    expect((await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "qualified" } })).leadEvent).toBeNull();
    expect(await rowsOfLead(lead.id)).toHaveLength(2);
  });

  it("writes no rows for a project without settings (or with both platforms off), and still returns the browser event", async () => {
    const bare = await createProject(s.db);
    const a = await chatLead(bare.id);
    const r1 = await setLeadStage({ ctx: ctx(), input: { conversationId: a.conversation.id, stage: "converted", value: 10, currency: "usd" } });
    expect(r1.leadEvent).toMatchObject({ stage: "converted", value: 10, currency: "USD", lead_id: a.lead.id });
    expect(await rowsOfLead(a.lead.id)).toEqual([]);
    const off = await configuredProject({ meta: false, ga4: false });
    const b = await chatLead(off.id);
    expect((await setLeadStage({ ctx: ctx(), input: { conversationId: b.conversation.id, stage: "qualified" } })).leadEvent).not.toBeNull();
    expect(await rowsOfLead(b.lead.id)).toEqual([]);
  });

  it("maps stages to events: Meta's configurable names (unset → none), GA4's recommended lead events", async () => {
    const project = await configuredProject();
    const { conversation, lead } = await chatLead(project.id);
    await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "not_qualified" } });
    await setLeadStage({ ctx: ctx(at(1)), input: { conversationId: conversation.id, stage: "new" } });
    await setLeadStage({ ctx: ctx(at(2)), input: { conversationId: conversation.id, stage: "converted", value: 99.99, currency: "EUR" } });
    const rows = await s.db.select().from(conversionEvents).where(eq(conversionEvents.leadId, lead.id)).orderBy(conversionEvents.id);
    expect(rows.map((r) => `${r.platform}:${r.eventName}`)).toEqual(["ga4:disqualify_lead", "meta:Purchase", "ga4:close_convert_lead"]);
    const [row] = await s.db.select().from(leads).where(eq(leads.id, lead.id));
    expect([row.dealValue, row.dealCurrency]).toEqual(["99.99", "EUR"]);
  });

  it("refuses a bad deal value or a value without its currency, changing nothing", async () => {
    const project = await configuredProject();
    const { conversation, lead } = await chatLead(project.id);
    for (const input of [
      { value: -1, currency: "USD" },
      { value: 1.005, currency: "USD" },
      { value: 2e12, currency: "USD" },
      // Thirteen digits: numeric(14, 2) holds twelve before the point (a 500 if it got that far).
      { value: 1e12, currency: "USD" },
      { value: 10 },
      { value: 10, currency: "EURO" },
    ]) {
      await expect(setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "converted", ...input } })).rejects.toMatchObject({ name: "ZodError" });
    }
    expect(await rowsOfLead(lead.id)).toEqual([]);
    // Large amounts with cents are not mistaken for more decimals (n × 100 drifts from 1e8 up).
    for (const ok of [123456789.12, 987654321.07, 999999999999.99, 0.1, 0]) expect(DealValue.safeParse(ok).success, String(ok)).toBe(true);
    // A currency without a value (the dialog's amount left empty) is no deal value, not an error.
    const { leadEvent } = await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "converted", value: null, currency: "USD" } });
    expect(leadEvent).toMatchObject({ value: null, currency: null });
    expect((await s.db.select().from(leads).where(eq(leads.id, lead.id)))[0]).toMatchObject({ dealValue: null, dealCurrency: null });
  });

  it("a web form's lead may carry the same cookies, validated the same way", async () => {
    const project = await createProject(s.db);
    const { result } = await createWebLead({
      ctx: anonymousCtx(s.db, { now: T0, ip: "203.0.113.50" }),
      input: submissionFields(
        Object.entries({ project: project.slug, email: "form@example.com", fbp: "fb.1.1596403881668.1116446470", fbc: "garbage", ga: "GA1.1.555.666", ga_session: "GS1.1.1711111111.1.0.1711111111.0.0.0" }),
      ),
    });
    const [lead] = await s.db.select().from(leads).where(eq(leads.id, result.leadId));
    const [attr] = await s.db.select().from(visitorAttributions).where(eq(visitorAttributions.id, lead.attributionId!));
    expect(attr).toMatchObject({ fbp: "fb.1.1596403881668.1116446470", fbc: null, gaClientId: "555.666", gaSessionId: "1711111111" });
    expect(lead.extra).toEqual({});
  });

  it("queues a CRM lead without a chat the same way (Meta's action_source: system_generated)", async () => {
    const project = await configuredProject();
    const [attr] = await s.db.insert(visitorAttributions).values({ visitorId: null, utmSource: "google", createdAt: CAPTURED }).returning();
    const [lead] = await s.db
      .insert(leads)
      .values({ source: "web", projectId: project.id, name: "Web", email: "web@example.com", phone: "", attributionId: attr.id, createdAt: CAPTURED })
      .returning();
    const { leadEvent } = await setLeadStageOfLead({ ctx: ctx(), input: { leadId: lead.id, stage: "converted", value: 500, currency: "GBP" } });
    expect(leadEvent).toMatchObject({ stage: "converted", value: 500, currency: "GBP", ph: null, utm_source: "google" });
    expect((await s.db.select().from(leads).where(eq(leads.id, lead.id)))[0]).toMatchObject({ dealValue: "500.00", dealCurrency: "GBP" });
    expect(await deliver(at(1000))).toMatchObject({ claimed: 2, sent: 2 });
    const meta = metaRequests()[0].json as MetaBody;
    expect(meta.data[0]).toMatchObject({ event_name: "Purchase", action_source: "system_generated", custom_data: { value: 500, currency: "GBP" } });
    expect(meta.data[0].user_data).toEqual({ em: [expect.stringMatching(/^[0-9a-f]{64}$/)] });
    // No _ga: a generated client id, the same for every event of this lead.
    const ga = ga4Requests()[0].json as Ga4Body;
    expect(ga.client_id).toMatch(/^\d+\.\d+$/);
    await setLeadStageOfLead({ ctx: ctx(at(5000)), input: { leadId: lead.id, stage: "qualified" } });
    await deliver(at(6000));
    expect((ga4Requests()[1].json as Ga4Body).client_id).toBe(ga.client_id);
    // A chat's lead goes through the chat's verb and comes back with its event too.
    const chat = await chatLead(project.id);
    const viaCrm = await setLeadStageOfLead({ ctx: ctx(), input: { leadId: chat.lead.id, stage: "qualified" } });
    expect(viaCrm.leadEvent).toMatchObject({ lead_id: chat.lead.id, stage: "qualified" });
    expect((await rowsOfLead(chat.lead.id)).map((r) => r.eventId)).toEqual([viaCrm.leadEvent!.event_id, viaCrm.leadEvent!.event_id]);
  });
});

describe("delivery to Meta and GA4", () => {
  it("sends Meta the documented server event: hashed em/ph arrays, fbc built from fbclid, fbp, ip, ua, event_id, source url, value", async () => {
    const project = await configuredProject({ testEventCode: "TEST4242" });
    const { conversation, lead } = await chatLead(project.id);
    const { leadEvent } = await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "converted", value: 1234.5, currency: "EUR" } });
    expect(await deliver(at(1000))).toMatchObject({ claimed: 2, sent: 2, retried: 0, failed: 0 });
    expect(metaRequests()).toHaveLength(1);
    const req = metaRequests()[0];
    expect(req.method).toBe("POST");
    expect(req.path).toBe(`/v26.0/${PIXEL}/events`);
    // The token travels in the body, never in the URL.
    expect(req.query.toString()).toBe("");
    const body = req.json as MetaBody;
    expect(body.access_token).toBe(TOKEN);
    expect(body.test_event_code).toBe("TEST4242");
    expect(body.data).toEqual([
      {
        event_name: "Purchase",
        event_time: Math.floor(T0.getTime() / 1000),
        event_id: leadEvent!.event_id,
        action_source: "chat",
        event_source_url: "https://shop.example/landing?utm_source=fb&fbclid=IwAR-click_1",
        user_data: {
          em: [META_EMAIL_HASH],
          ph: [META_PHONE_HASH],
          fbc: `fb.1.${CAPTURED.getTime()}.IwAR-click_1`,
          fbp: "fb.1.1596403881668.1116446470",
          client_ip_address: "203.0.113.9",
          client_user_agent: UA,
        },
        custom_data: { value: 1234.5, currency: "EUR" },
      },
    ]);
    expect(req.raw.toLowerCase()).not.toContain("john_smith@gmail.com");
    expect(req.raw).not.toContain("+16505551212");
    const [meta, ga4] = await rowsOfLead(lead.id);
    expect(meta).toMatchObject({ status: "sent", attempts: 1, responseCode: 200, lastError: null, sentAt: at(1000) });
    expect(ga4).toMatchObject({ status: "sent", attempts: 1, responseCode: 204 });
  });

  it("prefers the stored _fbc cookie over one built from fbclid", async () => {
    const project = await configuredProject({ ga4: false });
    const { conversation } = await chatLead(project.id, { attr: { fbc: "fb.1.1554763741205.AbCdEf" } });
    await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "qualified" } });
    await deliver(at(1000));
    expect(((metaRequests()[0].json as MetaBody).data[0].user_data as Record<string, unknown>).fbc).toBe("fb.1.1554763741205.AbCdEf");
  });

  it("sends GA4 the recommended event with the _ga client id, session id, UTM parameters and value", async () => {
    const project = await configuredProject({ meta: false });
    const { conversation } = await chatLead(project.id);
    const { leadEvent } = await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "converted", value: 20, currency: "USD" } });
    await deliver(at(1000));
    expect(ga4Requests()).toHaveLength(1);
    const req = ga4Requests()[0];
    expect(req.path).toBe("/mp/collect");
    expect(req.query.get("measurement_id")).toBe("G-ABC1234XYZ");
    expect(req.query.get("api_secret")).toBe(API_SECRET);
    expect(req.json as Ga4Body).toEqual({
      client_id: "111.222",
      timestamp_micros: T0.getTime() * 1000,
      events: [
        {
          name: "close_convert_lead",
          params: {
            lead_source: "chat",
            event_id: leadEvent!.event_id,
            session_id: "1700000000",
            source: "fb",
            medium: "cpc",
            campaign: "spring",
            value: 20,
            currency: "USD",
          },
        },
      ],
    });
  });

  it("sends what exists for a lead with no email or phone, and never a plain value", async () => {
    const project = await configuredProject({ ga4: false });
    const { conversation } = await chatLead(project.id, { email: "", phone: "", attr: { fbclid: null, fbp: null } });
    const { leadEvent } = await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "qualified" } });
    expect(leadEvent).toMatchObject({ em: null, ph: null });
    expect(await deliver(at(1000))).toMatchObject({ sent: 1 });
    expect((metaRequests()[0].json as MetaBody).data[0].user_data).toEqual({ client_ip_address: "203.0.113.9", client_user_agent: UA });
  });

  it("retries 500 and 429 with exponential backoff, then sends", async () => {
    const project = await configuredProject({ ga4: false });
    const { conversation, lead } = await chatLead(project.id);
    await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "qualified" } });
    fake.script.meta.push({ status: 500, body: { error: { message: "Service temporarily unavailable", code: 2 } } }, { status: 429, body: { error: { message: "Too many calls", code: 4 } } });
    const t1 = at(1000);
    expect(await deliver(t1)).toMatchObject({ claimed: 1, retried: 1 });
    let [row] = await rowsOfLead(lead.id);
    expect(row).toMatchObject({ status: "queued", attempts: 1, responseCode: 500 });
    expect(row.lastError).toMatch(/^Meta unavailable \(HTTP 500, code 2\): Service temporarily unavailable/);
    // 30 s after the first failure (jitter fixed at its middle here)…
    expect(row.nextAttemptAt.getTime() - t1.getTime()).toBe(30_000);
    expect((await deliver(new Date(row.nextAttemptAt.getTime() - 1))).claimed).toBe(0);
    const t2 = row.nextAttemptAt;
    expect(await deliver(t2)).toMatchObject({ claimed: 1, retried: 1 });
    [row] = await rowsOfLead(lead.id);
    expect(row).toMatchObject({ status: "queued", attempts: 2, responseCode: 429 });
    expect(row.lastError).toMatch(/^Rate limited by Meta/);
    // …then 60 s after the second.
    expect(row.nextAttemptAt.getTime() - t2.getTime()).toBe(60_000);
    expect(await deliver(row.nextAttemptAt)).toMatchObject({ claimed: 1, sent: 1 });
    [row] = await rowsOfLead(lead.id);
    expect(row).toMatchObject({ status: "sent", attempts: 3, responseCode: 200, lastError: null });
    // The same event id every time: Meta keeps one.
    expect(new Set(metaRequests().map((r) => ((r.json as MetaBody).data[0] as { event_id: string }).event_id)).size).toBe(1);
    expect(metaRequests()).toHaveLength(3);
  });

  it("backs off 30 s × 2^n with jitter, capped at an hour", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, () => 0.5))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffMs(10, () => 0.5)).toBe(3_600_000);
    expect(backoffMs(1, () => 0)).toBe(22_500);
    expect(backoffMs(1, () => 0.999999)).toBeLessThanOrEqual(37_500);
    expect(backoffMs(30, () => 1)).toBe(3_600_000);
  });

  it("retries through an outage of days, hourly, and expires it with the reason once it can no longer be sent", async () => {
    const project = await configuredProject({ ga4: false });
    const { conversation, lead } = await chatLead(project.id);
    await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "qualified" } });
    // Two days of a platform down: still queued, an hour apart.
    await s.db.update(conversionEvents).set({ attempts: 40, nextAttemptAt: at(2 * 86_400_000) }).where(eq(conversionEvents.leadId, lead.id));
    fake.script.meta.push({ status: 503, body: "upstream down" });
    expect(await deliver(at(2 * 86_400_000))).toMatchObject({ retried: 1 });
    let [row] = await rowsOfLead(lead.id);
    expect(row).toMatchObject({ status: "queued", attempts: 41, responseCode: 503 });
    expect(row.nextAttemptAt).toEqual(at(2 * 86_400_000 + 3_600_000));
    // An hour before it turns 7 days old, down again: the next try would be too late, so it expires now, saying why.
    const late = MAX_EVENT_AGE_MS - 30 * 60_000;
    await s.db.update(conversionEvents).set({ nextAttemptAt: at(late) }).where(eq(conversionEvents.leadId, lead.id));
    fake.script.meta.push({ status: 503, body: "upstream down" });
    expect(await deliver(at(late))).toMatchObject({ expired: 1 });
    [row] = await rowsOfLead(lead.id);
    expect(row).toMatchObject({ status: "expired", attempts: 42 });
    expect(row.lastError).toMatch(/^Not delivered in 7 days \(42 attempts; Meta accepts events up to 7 days old\)\. Last answer: Meta unavailable \(HTTP 503\): upstream down/);
  });

  it("fails 400 at once with Meta's message, and 401 / code 190 as a rejected token that a new token queues again", async () => {
    const project = await configuredProject({ ga4: false });
    const a = await chatLead(project.id);
    const b = await chatLead(project.id);
    await setLeadStage({ ctx: ctx(), input: { conversationId: a.conversation.id, stage: "qualified" } });
    fake.script.meta.push({ status: 400, body: { error: { message: "Invalid parameter", type: "OAuthException", code: 100, error_subcode: 2804003 } } });
    await deliver(at(1000));
    expect((await rowsOfLead(a.lead.id))[0]).toMatchObject({ status: "failed", attempts: 1, responseCode: 400, lastError: "Meta refused the event (HTTP 400, code 100): Invalid parameter" });

    await setLeadStage({ ctx: ctx(at(2000)), input: { conversationId: b.conversation.id, stage: "qualified" } });
    // A platform echoing the token in its error: it is cut out before anything is stored.
    fake.script.meta.push({ status: 401, body: { error: { message: `Error validating access token: Session has expired (token ${TOKEN})`, type: "OAuthException", code: 190 } } });
    await deliver(at(3000));
    let [row] = await rowsOfLead(b.lead.id);
    expect(row).toMatchObject({ status: "failed", responseCode: 401 });
    expect(row.lastError).toMatch(/^Access token rejected by Meta \(HTTP 401, code 190\): Error validating access token/);
    expect(row.lastError).not.toContain(TOKEN);
    expect(row.lastError).toContain("[redacted]");

    // The admin saves a new token: the refused event goes out again with it (the 400 one stays failed).
    const cfg = await getConversionConfig({ ctx: ctx(), input: { projectId: project.id } });
    await updateConversionConfig({ ctx: ctx(at(4000)), input: { projectId: project.id, meta: { ...cfg.meta, accessToken: TOKEN2 }, ga4: { enabled: false, measurementId: null, apiSecret: "" } } });
    [row] = await rowsOfLead(b.lead.id);
    expect(row).toMatchObject({ status: "queued", attempts: 0 });
    fake.reset();
    expect(await deliver(at(5000))).toMatchObject({ claimed: 1, sent: 1 });
    expect((metaRequests()[0].json as MetaBody).access_token).toBe(TOKEN2);
    expect((await rowsOfLead(a.lead.id))[0].status).toBe("failed");
  });

  it("retries a platform that doesn't answer in time, or can't be reached", async () => {
    const project = await configuredProject({ ga4: false });
    const { conversation, lead } = await chatLead(project.id);
    await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "qualified" } });
    fake.script.meta.push("hang");
    expect(await deliver(at(1000), { timeoutMs: 200 })).toMatchObject({ retried: 1 });
    let [row] = await rowsOfLead(lead.id);
    expect(row).toMatchObject({ status: "queued", attempts: 1, responseCode: null, lastError: "No answer within 0.2 s." });
    // Nothing listening at all.
    const closed = await startFakePlatforms();
    const deadBase = closed.base;
    await closed.close();
    await deliverDueConversions(s.db, { now: row.nextAttemptAt, random: () => 0.5, endpoints: { metaGraphUrl: deadBase, metaGraphVersion: "v26.0", ga4MpUrl: deadBase } });
    [row] = await rowsOfLead(lead.id);
    expect(row).toMatchObject({ status: "queued", attempts: 2 });
    expect(row.lastError).toMatch(/^Network error: ECONNREFUSED/);
    expect(await deliver(row.nextAttemptAt)).toMatchObject({ sent: 1 });
  });

  it("expires events older than 7 days instead of sending them (fixed clock)", async () => {
    const project = await configuredProject();
    const a = await chatLead(project.id);
    await setLeadStage({ ctx: ctx(), input: { conversationId: a.conversation.id, stage: "qualified" } });
    const sevenDays = 7 * 86_400_000;
    // Exactly 7 days old is still sent…
    const b = await chatLead(project.id);
    await setLeadStage({ ctx: ctx(at(1)), input: { conversationId: b.conversation.id, stage: "qualified" } });
    await s.db.update(conversionEvents).set({ nextAttemptAt: at(sevenDays + 1) }).where(eq(conversionEvents.leadId, b.lead.id));
    expect(await deliver(at(sevenDays + 1))).toMatchObject({ claimed: 4, expired: 2, sent: 2 });
    // …one millisecond more is not.
    expect((await rowsOfLead(a.lead.id)).map((r) => [r.status, r.lastError])).toEqual([
      ["expired", expect.stringContaining("Older than 7 days")],
      ["expired", expect.stringContaining("Older than 7 days")],
    ]);
    expect((await rowsOfLead(b.lead.id)).map((r) => r.status)).toEqual(["sent", "sent"]);
    expect(fake.requests).toHaveLength(2);
  });

  it("keeps the stage change working while the platforms are down", async () => {
    const project = await configuredProject();
    const { conversation, lead } = await chatLead(project.id);
    fake.script.meta.push(...Array(5).fill({ status: 500 }));
    fake.script.ga4.push(...Array(5).fill({ status: 503 }));
    const { result } = await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "qualified" } });
    expect(result.leadStage).toBe("qualified");
    expect(await deliver(at(1000))).toMatchObject({ claimed: 2, retried: 2 });
    expect((await rowsOfLead(lead.id)).map((r) => r.status)).toEqual(["queued", "queued"]);
    expect((await setLeadStage({ ctx: ctx(at(2000)), input: { conversationId: conversation.id, stage: "converted", value: 5, currency: "USD" } })).result.leadStage).toBe("converted");
  });
});

describe("at least once, never twice", () => {
  it("two workers running at once send each row once", async () => {
    const project = await configuredProject();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { conversation } = await chatLead(project.id);
      ids.push((await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "qualified" } })).leadEvent!.event_id);
    }
    const [a, b] = await Promise.all([deliver(at(1000)), deliver(at(1000))]);
    expect(a.claimed + b.claimed).toBe(12);
    expect(a.sent + b.sent).toBe(12);
    const metaIds = metaRequests().map((r) => ((r.json as MetaBody).data[0] as { event_id: string }).event_id).sort();
    const gaIds = ga4Requests().map((r) => (r.json as Ga4Body).events[0].params.event_id as string).sort();
    expect(metaIds).toEqual([...ids].sort());
    expect(gaIds).toEqual([...ids].sort());
    // A sent row is never claimed again, however late a worker runs.
    expect((await deliver(at(LEASE_MS * 10))).claimed).toBe(0);
  });

  it("runs as the sweeper leader's job every 2 s, with the endpoints of lib/env.ts", async () => {
    const [job] = conversionJobs(s.db);
    expect([job.name, job.everyMs]).toEqual(["conversions", 2_000]);
    const project = await configuredProject({ ga4: false });
    const { conversation } = await chatLead(project.id);
    await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "qualified" } });
    expect(await job.run(at(1000))).toMatchObject({ claimed: 1, sent: 1 });
    expect(metaRequests()).toHaveLength(1);
  });

  /**
   * The race the row lock exists for, on PostgreSQL (PGlite runs one
   * connection, so transactions can't interleave there). Worker A has locked
   * and leased due rows but not committed yet; worker B claims meanwhile.
   * With `for update skip locked` B skips A's rows at once. Without it (a
   * plain select), B reads the same rows as still due, waits for A's row
   * locks in its update, then leases them again after A commits: both
   * workers would send them, and this test fails (checked by removing the
   * clause from claimDueConversions).
   */
  it.skipIf(!process.env.TEST_DATABASE_URL)("a worker claiming while another's claim is uncommitted never gets the same rows (PostgreSQL)", async () => {
    const project = await configuredProject();
    for (let i = 0; i < 3; i++) {
      const { conversation } = await chatLead(project.id);
      await setLeadStage({ ctx: ctx(), input: { conversationId: conversation.id, stage: "qualified" } });
    }
    const now = at(1000);
    let bDone = false;
    let b: Promise<{ id: number }[]> | undefined;
    const aIds = await s.db.transaction(async (tx) => {
      // Worker A, mid-claim: the same statements as claimDueConversions, before its commit.
      const ids = rowsOf<{ id: number | string }>(
        await tx.execute(sql`select id from conversion_events where status = 'queued' and next_attempt_at <= ${now.toISOString()}::timestamptz
          order by next_attempt_at, id limit 50 for update skip locked`),
      ).map((r) => Number(r.id));
      await tx.update(conversionEvents).set({ attempts: sql`${conversionEvents.attempts} + 1`, nextAttemptAt: new Date(now.getTime() + LEASE_MS) }).where(inArray(conversionEvents.id, ids));
      b = claimDueConversions(s.db, now).finally(() => (bDone = true));
      // Until B has answered, or is stuck waiting for A's locks.
      for (let i = 0; i < 500 && !bDone; i++) {
        const [{ n }] = rowsOf<{ n: number }>(
          await s.db.execute(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`),
        );
        if (Number(n) > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      return ids;
    });
    const bRows = await b!;
    expect(aIds).toHaveLength(6);
    expect(bRows.map((r) => r.id).filter((id) => aIds.includes(id))).toEqual([]);
  });
});

describe("settings, test events and the delivery log", () => {
  it("validates the settings and keeps secrets write-only: omitted keeps, empty clears, last four shown", async () => {
    const project = await createProject(s.db);
    const base = {
      projectId: project.id,
      meta: { enabled: false, pixelId: null, testEventCode: null, eventNames: { new: null, qualified: "Lead", not_qualified: null, converted: "Purchase" } },
      ga4: { enabled: false, measurementId: null },
    };
    const bad = async (input: unknown) => {
      try {
        await updateConversionConfig({ ctx: ctx(), input });
      } catch (err) {
        return err as { name?: string; code?: string; issues?: { path: (string | number)[] }[]; details?: { fields?: Record<string, string> } };
      }
      throw new Error("accepted");
    };
    expect((await bad({ ...base, meta: { ...base.meta, pixelId: "12ab" } })).issues?.[0].path).toEqual(["meta", "pixelId"]);
    expect((await bad({ ...base, ga4: { ...base.ga4, measurementId: "UA-1234-1" } })).issues?.[0].path).toEqual(["ga4", "measurementId"]);
    expect((await bad({ ...base, meta: { ...base.meta, eventNames: { ...base.meta.eventNames, qualified: "<script>" } } })).issues?.[0].path).toEqual(["meta", "eventNames", "qualified"]);
    expect((await bad({ ...base, meta: { ...base.meta, accessToken: "short" } })).issues?.[0].path).toEqual(["meta", "accessToken"]);
    expect((await bad({ ...base, meta: { ...base.meta, enabled: true, pixelId: PIXEL } })).details?.fields).toEqual({ "meta.accessToken": expect.any(String) });

    const saved = await updateConversionConfig({
      ctx: ctx(),
      input: { ...base, meta: { ...base.meta, enabled: true, pixelId: PIXEL, accessToken: TOKEN, eventNames: { ...base.meta.eventNames, converted: "My Custom_Event" } }, ga4: { enabled: true, measurementId: "g-abc1234xyz", apiSecret: API_SECRET } },
    });
    expect(saved.result).toMatchObject({
      meta: { enabled: true, pixelId: PIXEL, accessTokenLast4: TOKEN.slice(-4), eventNames: { converted: "My Custom_Event" } },
      ga4: { enabled: true, measurementId: "G-ABC1234XYZ", apiSecretLast4: API_SECRET.slice(-4) },
    });
    // Left out: kept.
    const kept = await updateConversionConfig({ ctx: ctx(), input: { ...base, meta: { ...saved.result.meta }, ga4: { ...saved.result.ga4 } } });
    expect(kept.result.meta.accessTokenLast4).toBe(TOKEN.slice(-4));
    // "": removed (and then the platform can't stay on).
    expect((await bad({ ...base, meta: { ...saved.result.meta, accessToken: "" }, ga4: saved.result.ga4 })).code).toBe("bad_request");
    const cleared = await updateConversionConfig({ ctx: ctx(), input: { ...base, meta: { ...saved.result.meta, enabled: false, accessToken: "" }, ga4: { ...saved.result.ga4, enabled: false, apiSecret: "" } } });
    expect(cleared.result.meta.accessTokenLast4).toBeNull();
    expect(cleared.result.ga4.apiSecretLast4).toBeNull();
    const audits = await s.db.select().from(auditLog).where(eq(auditLog.action, "conversions.config_updated"));
    const text = JSON.stringify(audits);
    expect(text).toContain('"accessToken":"replaced"');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(API_SECRET);
    // Only admins.
    const manager = await createStaff(s.db, { role: "manager" });
    await expect(getConversionConfig({ ctx: staffCtxFor(s.db, manager), input: { projectId: project.id } })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("queues a test event with sample data that the worker sends with the test code (Meta) or to the validation server (GA4)", async () => {
    const noCode = await configuredProject();
    await expect(sendTestConversion({ ctx: ctx(), input: { projectId: noCode.id, platform: "meta" } })).rejects.toMatchObject({ code: "bad_request" });
    const project = await configuredProject({ testEventCode: "TEST777", meta: false, ga4: false });
    const meta = await sendTestConversion({ ctx: ctx(), input: { projectId: project.id, platform: "meta" } });
    const ga4 = await sendTestConversion({ ctx: ctx(), input: { projectId: project.id, platform: "ga4" } });
    expect(meta.result).toMatchObject({ platform: "meta", test: true, status: "queued", eventName: "Lead", leadId: null });
    fake.script.ga4.push({ status: 200, body: { validationMessages: [{ fieldPath: "events.params.currency", description: "Currency is not valid", validationCode: "VALUE_INVALID" }] } });
    expect(await deliver(at(1000))).toMatchObject({ claimed: 2, sent: 1, failed: 1 });
    const body = metaRequests()[0].json as MetaBody;
    expect(body.test_event_code).toBe("TEST777");
    expect(body.data[0]).toMatchObject({ event_name: "Lead", event_id: meta.result.eventId });
    expect(ga4Requests()[0].path).toBe("/debug/mp/collect");
    expect(await rowById(ga4.result.id)).toMatchObject({ status: "failed", lastError: "GA4 validation: events.params.currency: Currency is not valid" });
  });

  it("lists the delivery log newest first, keyset-paginated, filtered by project, platform and status", async () => {
    const project = await configuredProject();
    for (let i = 0; i < 12; i++) {
      const { conversation } = await chatLead(project.id);
      await setLeadStage({ ctx: ctx(at(i * 1000)), input: { conversationId: conversation.id, stage: "qualified" } });
    }
    const list = (input: Record<string, unknown>) => listConversionEvents({ ctx: ctx(at(100_000 + Math.random())), input: { projectId: project.id, ...input } });
    const p1 = await list({ limit: 20 });
    expect(p1).toMatchObject({ total: 24, from: 1, prev: null });
    expect(p1.items).toHaveLength(20);
    expect(p1.items[0].createdAt >= p1.items[19].createdAt).toBe(true);
    const p2 = await list({ limit: 20, after: p1.next });
    expect(p2).toMatchObject({ from: 21, next: null });
    expect(p2.items).toHaveLength(4);
    expect(new Set([...p1.items, ...p2.items].map((e) => e.id)).size).toBe(24);
    const metaOnly = await list({ platform: "meta" });
    expect(metaOnly.items.every((e) => e.platform === "meta")).toBe(true);
    expect(metaOnly.total).toBe(12);
    expect((await list({ status: "sent" })).total).toBe(0);
    // No payload (hashed contact data) and no secret in the log's rows.
    const text = JSON.stringify(p1);
    expect(text).not.toContain(META_EMAIL_HASH);
    expect(text).not.toContain(TOKEN);
    await expect(list({ status: "lost" })).rejects.toMatchObject({ name: "ZodError" });
  });
});

describe("routes", () => {
  const route = async (file: string) => (await import(/* @vite-ignore */ `../../../app/api/${file}`)) as Record<string, Handler>;

  it("answer settings, the log and stage changes without ever a secret; the stage routes return the browser event", async () => {
    const project = await configuredProject({ testEventCode: "TEST1" });
    const cookie = await staffCookie(s.db, admin.id);
    const conv = await route("marketing/conversions/route.ts");
    const get = await conv.GET(await request("GET", `/api/marketing/conversions?projectId=${project.id}`, { headers: { cookie } }), routeContext());
    expect(get.status).toBe(200);
    const getText = await get.text();
    expect(getText).not.toContain(TOKEN);
    expect(getText).not.toContain(API_SECRET);
    expect(JSON.parse(getText)).toMatchObject({ meta: { accessTokenLast4: TOKEN.slice(-4) }, ga4: { apiSecretLast4: API_SECRET.slice(-4) } });
    const cfg = JSON.parse(getText);
    const put = await conv.PUT(
      await request("PUT", "/api/marketing/conversions", { headers: { cookie }, body: { json: { projectId: project.id, meta: { ...cfg.meta, accessToken: TOKEN2 }, ga4: { ...cfg.ga4, apiSecret: API_SECRET } } } }),
      routeContext(),
    );
    expect(put.status).toBe(200);
    const putText = await put.text();
    for (const secret of [TOKEN, TOKEN2, API_SECRET]) expect(putText).not.toContain(secret);

    const { conversation, lead } = await chatLead(project.id);
    const stage = await route("chat/conversations/[id]/stage/route.ts");
    const res = await stage.POST(
      await request("POST", `/api/chat/conversations/${conversation.id}/stage`, { headers: { cookie }, body: { json: { stage: "converted", value: 42, currency: "usd" } } }),
      routeContext({ id: String(conversation.id) }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: number; leadStage: string; leadEvent: { event_id: string; value: number; currency: string } };
    expect(body).toMatchObject({ id: conversation.id, leadStage: "converted", leadEvent: { value: 42, currency: "USD" } });
    expect((await rowsOfLead(lead.id)).map((r) => r.eventId)).toEqual([body.leadEvent.event_id, body.leadEvent.event_id]);

    const crm = await route("crm/leads/[id]/stage/route.ts");
    const res2 = await crm.POST(
      await request("POST", `/api/crm/leads/${lead.id}/stage`, { headers: { cookie }, body: { json: { stage: "converted" } } }),
      routeContext({ id: String(lead.id) }),
    );
    expect(res2.status).toBe(200);
    expect(((await res2.json()) as { leadEvent: unknown }).leadEvent).toBeNull();
    const bad = await crm.POST(
      await request("POST", `/api/crm/leads/${lead.id}/stage`, { headers: { cookie }, body: { json: { stage: "qualified", value: 5 } } }),
      routeContext({ id: String(lead.id) }),
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty("currency");

    // A failing delivery (the platform echoing the secret) and the log's page: no secret in either.
    fake.script.ga4.push({ status: 500, body: { error: `bad api_secret=${API_SECRET}` } });
    fake.script.meta.push({ status: 400, body: { error: { message: `token ${TOKEN2} invalid`, code: 100 } } });
    // The routes ran on the real clock.
    expect(await deliver(new Date(Date.now() + 1000))).toMatchObject({ claimed: 2, failed: 1, retried: 1 });
    const events = await route("marketing/conversions/events/route.ts");
    const page = await events.GET(await request("GET", `/api/marketing/conversions/events?projectId=${project.id}`, { headers: { cookie } }), routeContext());
    const pageText = await page.text();
    expect(page.status).toBe(200);
    for (const secret of [TOKEN, TOKEN2, API_SECRET]) expect(pageText).not.toContain(secret);
    expect(pageText).toContain("[redacted]");

    const test = await route("marketing/conversions/test/route.ts");
    const t = await test.POST(await request("POST", "/api/marketing/conversions/test", { headers: { cookie }, body: { json: { projectId: project.id, platform: "meta" } } }), routeContext());
    expect(t.status).toBe(201);
    expect(await t.json()).toMatchObject({ platform: "meta", test: true, status: "queued" });
  });
});

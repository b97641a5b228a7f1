import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { leads, visitorAttributions } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { CLIENT_IP_HEADER } from "@/lib/http";
import { parseEnv } from "@/lib/env";
import { blockIp, unblockIp } from "@/lib/security/ip-blocks";
import { setSingleton } from "@/lib/singleton";
import { createProject } from "@/tests/factories";
import * as route from "../route";

const HOST = "chat.example.com";
const OWN = `https://${HOST}`;
const rc = { params: Promise.resolve({}) };
let h: DbHandle;
let project: Awaited<ReturnType<typeof createProject>>;
let fallback: Awaited<ReturnType<typeof createProject>>;
let ipSeq = 0;
/** Each test its own address: the per-IP limit is tested on purpose, not by accident. */
const nextIp = () => `198.51.100.${++ipSeq}`;

function post(body: BodyInit, headers: Record<string, string> = {}) {
  return new Request(`${OWN}/api/web-leads`, {
    method: "POST",
    headers: { host: HOST, [CLIENT_IP_HEADER]: nextIp(), ...headers },
    body,
  });
}
const json = (body: unknown, headers: Record<string, string> = {}) => post(JSON.stringify(body), { "content-type": "application/json", ...headers });
const leadCount = async () => (await h.db.select({ n: sql<number>`count(*)::int` }).from(leads))[0].n;

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-web-leads"), SESSION_SECRET: "s".repeat(40) } as unknown as NodeJS.ProcessEnv));
  h = await createTestDb();
  setSingleton("db", Promise.resolve(h));
  fallback = await createProject(h.db, { isDefault: true });
  project = await createProject(h.db, { allowedOrigins: ["https://*.client.com"] });
});
afterAll(async () => {
  setSingleton("db", undefined);
  await h?.close();
});

describe("POST /api/web-leads", () => {
  it("takes a JSON lead with its page, UTM and click ids, keeping unknown fields as extra data", async () => {
    const res = await route.POST(
      json(
        {
          project: project.slug,
          name: " Asha Rao ",
          phone: "+44 20 7946 0958",
          email: "asha@example.com",
          page_url: "https://www.client.com/offer?utm_source=ignored",
          utm_source: "facebook",
          utm_medium: "cpc",
          utm_campaign: "spring",
          fbclid: "IwAR123",
          budget: 5000,
          company: "Rao Ltd",
        },
        { origin: "https://www.client.com", "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)" },
      ),
      rc,
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://www.client.com");
    const { leadId, created } = (await res.json()) as { leadId: number; created: boolean };
    expect(created).toBe(true);
    const [lead] = await h.db.select().from(leads).where(eq(leads.id, leadId));
    expect(lead).toMatchObject({ source: "web", projectId: project.id, name: "Asha Rao", phone: "+442079460958", email: "asha@example.com", stage: "new" });
    expect(lead.extra).toEqual({ budget: "5000", company: "Rao Ltd" });
    const [attr] = await h.db.select().from(visitorAttributions).where(eq(visitorAttributions.id, lead.attributionId!));
    expect(attr).toMatchObject({ visitorId: null, utmSource: "facebook", utmMedium: "cpc", utmCampaign: "spring", fbclid: "IwAR123", landingUrl: "https://www.client.com/offer?utm_source=ignored", deviceType: "mobile" });
  });

  it("keeps the visit's landing page (the ad's URL) as the attribution, and the form's own page beside it", async () => {
    const res = await route.POST(
      json(
        { project: project.slug, email: "lands@example.com", page_url: "https://www.client.com/contact", landing_url: "https://www.client.com/offer?utm_source=meta" },
        { origin: "https://www.client.com" },
      ),
      rc,
    );
    expect(res.status).toBe(201);
    const { leadId } = (await res.json()) as { leadId: number };
    const [lead] = await h.db.select().from(leads).where(eq(leads.id, leadId));
    expect(lead.extra).toEqual({ "Form page": "https://www.client.com/contact" });
    const [attr] = await h.db.select().from(visitorAttributions).where(eq(visitorAttributions.id, lead.attributionId!));
    expect(attr.landingUrl).toBe("https://www.client.com/offer?utm_source=meta");
  });

  it("takes a plain form post (form-encoded) and goes to the default project without a slug", async () => {
    const res = await route.POST(post(new URLSearchParams({ name: "Ben", email: "ben@example.com", message: "Call me" }), { "content-type": "application/x-www-form-urlencoded" }), rc);
    expect(res.status).toBe(201);
    const { leadId } = (await res.json()) as { leadId: number };
    const [lead] = await h.db.select().from(leads).where(eq(leads.id, leadId));
    expect(lead).toMatchObject({ projectId: fallback.id, email: "ben@example.com", phone: "", extra: { message: "Call me" } });
  });

  it("a retried submission with the same Idempotency-Key (or submission id) is one lead", async () => {
    const before = await leadCount();
    const body = { project: project.slug, email: "once@example.com" };
    const first = await route.POST(json(body, { "idempotency-key": "sub-1" }), rc);
    const again = await route.POST(json(body, { "idempotency-key": "sub-1" }), rc);
    expect([first.status, again.status]).toEqual([201, 200]);
    const a = (await first.json()) as { leadId: number };
    const b = (await again.json()) as { leadId: number; created: boolean };
    expect(b).toEqual({ leadId: a.leadId, created: false });
    // The same key in another project is another lead; a body submission_id works like the header.
    const elsewhere = await route.POST(json({ email: "once@example.com" }, { "idempotency-key": "sub-1" }), rc);
    expect(elsewhere.status).toBe(201);
    const viaField = [await route.POST(json({ ...body, submission_id: "sub-2" }), rc), await route.POST(json({ ...body, submission_id: "sub-2" }), rc)];
    expect(viaField.map((r) => r.status)).toEqual([201, 200]);
    expect(await leadCount()).toBe(before + 3);
    // Concurrent retries still make one (on PostgreSQL these really race; the partial unique index decides).
    const burst = await Promise.all(Array.from({ length: 5 }, () => route.POST(json(body, { "idempotency-key": "sub-3" }), rc)));
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(await leadCount()).toBe(before + 4);
    // Exactly one attribution row per lead: a retry writes none.
    const orphans = await h.db.execute(sql`select count(*)::int as n from visitor_attributions a where a.visitor_id is null and not exists (select 1 from leads l where l.attribution_id = a.id)`);
    expect((orphans as unknown as { rows: { n: number }[] }).rows[0].n).toBe(0);
  });

  it("bad input is a clear 4xx naming the field, and nothing is written", async () => {
    const before = await leadCount();
    const cases: [Request, number, string | null][] = [
      [json({ name: "No contact" }), 400, "phone"],
      [json({ email: "not-an-email" }), 400, "email"],
      [json({ phone: "12" }), 400, "phone"],
      [json({ email: "a@example.com", nested: { a: 1 } }), 400, "nested"],
      [json({ email: "a@example.com", ...Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, "x"])) }), 400, "extra"],
      [json({ email: "a@example.com", project: "no-such-project" }), 404, null],
      [json({ email: "a@example.com" }, { "idempotency-key": "has spaces" }), 400, null],
      [json([1, 2]), 400, null],
      [post("{not json", { "content-type": "application/json" }), 400, null],
      [post("x".repeat(40 * 1024), { "content-type": "application/x-www-form-urlencoded" }), 413, null],
      [post("email=a%40example.com&email=b%40example.com", { "content-type": "application/x-www-form-urlencoded" }), 400, "email"],
      [post("<lead/>", { "content-type": "application/xml" }), 415, null],
    ];
    for (const [i, [req, status, field]] of cases.entries()) {
      const res = await route.POST(req, rc);
      expect(res.status, `case ${i}`).toBe(status);
      const body = (await res.json()) as { error: { message: string; fields?: Record<string, string> } };
      expect(body.error.message).toBeTruthy();
      if (field) expect(Object.keys(body.error.fields ?? {})).toContain(field);
    }
    expect(await leadCount()).toBe(before);
  });

  it("a page outside the project's allowed origins is refused; the preflight allows the Idempotency-Key header", async () => {
    const res = await route.POST(json({ project: project.slug, email: "x@example.com" }, { origin: "https://evil.example" }), rc);
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await route.OPTIONS(
      new Request(`${OWN}/api/web-leads?project=${project.slug}`, {
        method: "OPTIONS",
        headers: { host: HOST, origin: "https://shop.client.com", "access-control-request-method": "POST", "access-control-request-headers": "content-type, idempotency-key" },
      }),
    );
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-headers")).toContain("idempotency-key");
  });

  it("a blocked IP gets the bare 403 and writes nothing", async () => {
    const before = await leadCount();
    const ip = "192.0.2.77";
    const block = await blockIp(h.db, { address: ip, reason: "test", source: "manual" });
    try {
      const res = await route.POST(json({ email: "blocked@example.com" }, { [CLIENT_IP_HEADER]: ip }), rc);
      expect(res.status).toBe(403);
      expect(await res.text()).toBe("");
    } finally {
      await unblockIp(h.db, block.id);
    }
    expect(await leadCount()).toBe(before);
  });

  it("is rate-limited per IP with Retry-After", async () => {
    const ip = "192.0.2.90";
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await route.POST(json({ email: `r${i}@example.com` }, { [CLIENT_IP_HEADER]: ip }), rc)).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    const limited = await route.POST(json({ email: "late@example.com" }, { [CLIENT_IP_HEADER]: ip }), rc);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db, DbHandle } from "../../../db/client";
import { blockedIps, conversations, leads, visitorAttributions, visitors } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createProject } from "../../../tests/factories";
import { anonymousCtx } from "../../ctx";
import { parseEnv } from "../../env";
import { setSingleton } from "../../singleton";
import { refreshIpBlocks } from "../../security/ip-blocks";
import { isEmpty } from "../../verb";
import { startConversation } from "../start-conversation";
import { findVisitorByToken, resolveVisitorConversation } from "../visitor-session";

const NOW = new Date("2026-03-01T10:00:00.000Z");
const IP = "198.51.100.23";
const UA = "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36";

function useEnv(extra: Record<string, string> = {}) {
  setSingleton(
    "env",
    parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-start-test"), SESSION_SECRET: "s".repeat(40), ...extra } as unknown as NodeJS.ProcessEnv),
  );
}

let h: DbHandle;
let db: Db;
let project: Awaited<ReturnType<typeof createProject>>;

beforeAll(async () => {
  useEnv();
  h = await createTestDb();
  db = h.db;
  project = await createProject(db);
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => useEnv());

async function counts() {
  const n = async (t: typeof visitors | typeof conversations | typeof visitorAttributions | typeof leads) =>
    (await db.select({ n: sql<number>`count(*)::int` }).from(t))[0].n;
  return { visitors: await n(visitors), attributions: await n(visitorAttributions), conversations: await n(conversations), leads: await n(leads) };
}

/** The verb as the visitor route calls it (an anonymous ctx at `now` from `ip`); returns its result. */
async function start({ now, ip, ...rest }: { now: Date; ip: string; input: unknown; headers?: Headers }) {
  return (await startConversation({ ctx: anonymousCtx(db, { now, ip }), ...rest })).result;
}

const valid = (over: Record<string, unknown> = {}) => ({
  slug: project.slug,
  name: " Asha Rao ",
  country: "GB",
  phone: "+44 20 7946 0958",
  email: "asha@example.com",
  ...over,
});

describe("startConversation", () => {
  it("creates a visitor, its attribution, a queued conversation and its lead in one go", async () => {
    const before = await counts();
    const headers = new Headers({ "user-agent": UA, "accept-language": "en-GB,en;q=0.8", "cf-ipcountry": "GB" });
    const r = await start({
      now: NOW,
      ip: IP,
      headers,
      input: valid({
        attribution: {
          landingUrl: "https://chat.example.com/p/default?utm_source=meta&utm_campaign=q1&gclid=x",
          referrer: "https://m.facebook.com/",
          timeOnPageMs: 4200,
          connectionType: "4g",
        },
      }),
    });
    expect(r.created).toBe(true);
    expect(r.projectId).toBe(project.id);
    expect(r.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await counts()).toEqual({
      visitors: before.visitors + 1,
      attributions: before.attributions + 1,
      conversations: before.conversations + 1,
      leads: before.leads + 1,
    });

    const [v] = await db.select().from(visitors).where(eq(visitors.id, r.visitorId));
    expect(v).toMatchObject({ name: "Asha Rao", phone: "+442079460958", email: "asha@example.com", firstIp: IP, projectId: project.id });

    const [c] = await db.select().from(conversations).where(eq(conversations.id, r.conversationId));
    expect(c).toMatchObject({
      status: "queued",
      visitorId: r.visitorId,
      projectId: project.id,
      visitorPhone: "+442079460958",
      ip: IP,
      assigneeId: null,
    });
    expect(c.queuedAt?.toISOString()).toBe(NOW.toISOString());
    expect(c.lastMessageAt.toISOString()).toBe(NOW.toISOString());

    const [a] = await db.select().from(visitorAttributions).where(eq(visitorAttributions.id, c.attributionId!));
    expect(a).toMatchObject({
      visitorId: r.visitorId,
      utmSource: "meta",
      utmCampaign: "q1",
      gclid: "x",
      sourceDomain: "m.facebook.com",
      deviceType: "mobile",
      os: "Android",
      browser: "Chrome",
      deviceBrand: "Samsung",
      language: "en-GB",
      connectionType: "4g",
      timeOnPageMs: 4200,
      returning: false,
      ip: IP,
      userAgent: UA,
      // No TRUST_PROXY: a client-sent cf-ipcountry means nothing.
      geoCountry: null,
    });

    // Every chat is a lead: source "chat", the visitor's contact, the chat's attribution and stage.
    const [lead] = await db.select().from(leads).where(eq(leads.conversationId, c.id));
    expect(lead).toMatchObject({ source: "chat", projectId: project.id, visitorId: r.visitorId, attributionId: c.attributionId, name: "Asha Rao", phone: "+442079460958", email: "asha@example.com", stage: "new" });
  });

  it("takes geo from proxy headers when TRUST_PROXY is configured", async () => {
    useEnv({ TRUST_PROXY: "1" });
    const headers = new Headers({ "cf-ipcountry": "IN", "cf-ipcity": "Pune", "cf-region": "Maharashtra" });
    const r = await start({ now: NOW, ip: "203.0.113.40", headers, input: valid() });
    const [c] = await db.select().from(conversations).where(eq(conversations.id, r.conversationId));
    const [a] = await db.select().from(visitorAttributions).where(eq(visitorAttributions.id, c.attributionId!));
    expect(a).toMatchObject({ geoCountry: "IN", geoRegion: "Maharashtra", geoCity: "Pune" });
  });

  it.each([
    ["name", { name: "   " }],
    ["phone", { phone: "98765", country: "IN" }],
    ["phone", { phone: "not a phone" }],
    ["email", { email: "asha@" }],
  ])("refuses an invalid %s and creates nothing", async (field, over) => {
    const before = await counts();
    const err = await start({ now: NOW, ip: IP, input: valid(over) }).catch((e) => e);
    expect(err?.name).toBe("ZodError");
    expect(err.issues.map((i: { path: string[] }) => i.path.join("."))).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it("reports every bad contact field at once", async () => {
    const err = await start({ now: NOW, ip: IP, input: { slug: project.slug } }).catch((e) => e);
    expect(err.issues.map((i: { path: string[] }) => i.path.join(".")).sort()).toEqual(["email", "name", "phone"]);
  });

  it("normalises a national number with the picked country", async () => {
    const r = await start({ now: NOW, ip: IP, input: valid({ country: "IN", phone: "098765 43210" }) });
    const [v] = await db.select().from(visitors).where(eq(visitors.id, r.visitorId));
    expect(v.phone).toBe("+919876543210");
  });

  it("bad attribution never blocks the start; the bad field is dropped", async () => {
    const r = await start({
      now: NOW,
      ip: IP,
      input: valid({ attribution: { landingUrl: "javascript:alert(1)", referrer: 7, timeOnPageMs: -4, utmSource: "x".repeat(9999), language: "<script>" } }),
    });
    const [c] = await db.select().from(conversations).where(eq(conversations.id, r.conversationId));
    const [a] = await db.select().from(visitorAttributions).where(eq(visitorAttributions.id, c.attributionId!));
    expect(a).toMatchObject({ landingUrl: null, referrer: null, timeOnPageMs: 0, utmSource: null, language: null });
    const garbage = await start({ now: NOW, ip: IP, input: valid({ attribution: "garbage" }) });
    expect(garbage.created).toBe(true);
  });

  it("an unknown project is not_found and creates nothing", async () => {
    const before = await counts();
    await expect(start({ now: NOW, ip: IP, input: valid({ slug: "no-such-project" }) })).rejects.toMatchObject({ code: "not_found" });
    expect(await counts()).toEqual(before);
  });

  it("a blocked IP is refused and nothing is created", async () => {
    await db.insert(blockedIps).values({ address: "192.0.2.0/24", reason: "abuse", source: "manual" });
    await refreshIpBlocks(db);
    const before = await counts();
    await expect(start({ now: NOW, ip: "192.0.2.77", input: valid() })).rejects.toMatchObject({ code: "blocked" });
    // Even with invalid input: the ban is checked first and says nothing else.
    await expect(start({ now: NOW, ip: "192.0.2.77", input: {} })).rejects.toMatchObject({ code: "blocked" });
    expect(await counts()).toEqual(before);
    await db.delete(blockedIps);
    await refreshIpBlocks(db);
  });

  it("a token for this project reuses the visitor and its open conversation", async () => {
    const first = await start({ now: NOW, ip: IP, input: valid() });
    const before = await counts();
    const again = await start({ now: NOW, ip: IP, input: valid({ token: first.token, name: "Asha R" }) });
    expect(again).toEqual({ ...first, created: false });
    expect(await counts()).toEqual(before);
  });

  it("a new chat asks to be published and routed; a resumed one asks for nothing", async () => {
    const first = await startConversation({ ctx: anonymousCtx(db, { now: NOW, ip: IP }), input: valid() });
    expect(first.effects).toMatchObject({ conversations: [{ id: first.result.conversationId }], drain: true });
    const again = await startConversation({ ctx: anonymousCtx(db, { now: NOW, ip: IP }), input: valid({ token: first.result.token }) });
    expect(again.result.created).toBe(false);
    expect(isEmpty(again.effects)).toBe(true);
  });

  it("after the chat closed, the same token opens a new conversation for the same (returning) visitor", async () => {
    const first = await start({ now: NOW, ip: IP, input: valid() });
    await db.update(conversations).set({ status: "closed", closedAt: NOW }).where(eq(conversations.id, first.conversationId));
    const later = new Date(NOW.getTime() + 60_000);
    const again = await start({ now: later, ip: IP, input: valid({ token: first.token, email: "new@example.com" }) });
    expect(again.created).toBe(true);
    expect(again.visitorId).toBe(first.visitorId);
    expect(again.token).toBe(first.token);
    expect(again.conversationId).not.toBe(first.conversationId);
    const [v] = await db.select().from(visitors).where(eq(visitors.id, first.visitorId));
    expect(v.email).toBe("new@example.com");
    const [c] = await db.select().from(conversations).where(eq(conversations.id, again.conversationId));
    const [a] = await db.select().from(visitorAttributions).where(eq(visitorAttributions.id, c.attributionId!));
    expect(a.returning).toBe(true);
    expect((await resolveVisitorConversation(db, project.id, first.token))?.id).toBe(again.conversationId);
  });

  it("a token from project A is ignored in project B (new visitor, A untouched)", async () => {
    const other = await createProject(db);
    const a = await start({ now: NOW, ip: IP, input: valid() });
    const b = await start({ now: NOW, ip: IP, input: valid({ slug: other.slug, token: a.token }) });
    expect(b.created).toBe(true);
    expect(b.visitorId).not.toBe(a.visitorId);
    expect(b.token).not.toBe(a.token);
    expect(b.projectId).toBe(other.id);
    expect(await findVisitorByToken(db, other.id, a.token)).toBeNull();
  });
});

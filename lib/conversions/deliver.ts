/**
 * The conversions worker: delivers the outbox (conversion_events) to Meta's
 * Conversions API and GA4's Measurement Protocol, on the sweeper leader only.
 *
 * At least once, never twice on purpose: a short transaction claims due
 * queued rows with `for update skip locked` and leases them (attempts + 1,
 * next attempt pushed past any send's length), so two workers never hold
 * the same row; the sends run outside any transaction; each outcome is
 * written back to a row still queued. A row once sent, failed or expired is
 * never claimed again. A crash between a send and its write-back sends the
 * row again after the lease with the same event_id: Meta deduplicates it
 * (GA4 may count it twice — the Measurement Protocol has no dedupe key).
 *
 * Secrets are decrypted here and nowhere else, and never stored, logged or
 * echoed in an error text.
 */
import { inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rowsOf } from "../../db/raw";
import { conversionEvents } from "../../db/schema";
import { openFor } from "../auth/secret-box";
import { getEnv } from "../env";
import { loggable } from "../errors";
import { logger } from "../logger";
import { findConversionConfig, TOKEN_PROBLEM, type ConversionConfigRow } from "./config";
import type { ConversionPayload } from "./outbox";
import { ga4RequestBody, metaRequestBody, type OutboxRow } from "./platforms";

export type Endpoints = { metaGraphUrl: string; metaGraphVersion: string; ga4MpUrl: string };

/** Rows claimed per run (every 2 s on the leader). */
export const CLAIM_BATCH = 50;
/** Requests in flight at once per run. */
const CONCURRENCY = 4;
/** One request's limit: a platform that hangs is a retry, not a stuck worker. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** A claimed row is left alone this long: longer than a batch's sends can take (50 / 4 × 10 s). */
export const LEASE_MS = 5 * 60_000;
/**
 * A test event is given up as failed after this many attempts. A real one is
 * retried (at most hourly) for as long as it can still be sent: until it is
 * 7 days old, so an outage of days still delivers it.
 */
export const MAX_TEST_ATTEMPTS = 12;
/** Meta refuses events older than 7 days; GA4 would file them at arrival. Neither is sent (issue 12). */
export const MAX_EVENT_AGE_MS = 7 * 86_400_000;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_CAP_MS = 3_600_000;
const ERROR_MAX = 500;

/** Delay before attempt n + 1 after n failed attempts: 30 s × 2^(n-1), capped at 1 h, ±25 % jitter so retries of one outage spread out. */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_CAP_MS);
  return Math.min(Math.round(base * (0.75 + 0.5 * random())), BACKOFF_CAP_MS);
}

type Claimed = typeof conversionEvents.$inferSelect;

/**
 * Claim up to `limit` due queued rows: lock them skipping rows another worker
 * holds, bump their attempts and lease them until `now + LEASE_MS`, commit.
 * The lock is what keeps two workers apart: without `skip locked` (or with a
 * plain select), a second worker would read the same due rows before the
 * first commits and send them again.
 */
export async function claimDueConversions(db: Db, now: Date, limit = CLAIM_BATCH): Promise<Claimed[]> {
  return db.transaction(async (tx) => {
    const ids = rowsOf<{ id: number | string }>(
      await tx.execute(sql`
        select id from conversion_events
        where status = 'queued' and next_attempt_at <= ${now.toISOString()}::timestamptz
        order by next_attempt_at, id
        limit ${limit}
        for update skip locked`),
    ).map((r) => Number(r.id));
    if (ids.length === 0) return [];
    return tx
      .update(conversionEvents)
      .set({ attempts: sql`${conversionEvents.attempts} + 1`, nextAttemptAt: new Date(now.getTime() + LEASE_MS), updatedAt: now })
      .where(inArray(conversionEvents.id, ids))
      .returning();
  });
}

type Outcome =
  | { kind: "sent"; code: number }
  | { kind: "retry"; code: number | null; error: string }
  | { kind: "failed"; code: number | null; error: string }
  | { kind: "expired"; error: string };

/** An error text safe to store and show: the secrets and any secret-looking query parameter cut out, bounded. */
export function scrub(text: string, secrets: (string | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  out = out.replace(/(access_token|api_secret)=[^&\s"']+/gi, "$1=[redacted]");
  return out.replace(/\s+/g, " ").trim().slice(0, ERROR_MAX);
}

async function readBody(res: Response): Promise<unknown> {
  const text = (await res.text().catch(() => "")).slice(0, 64_000);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function post(url: string, body: unknown, timeoutMs: number): Promise<{ status: number; body: unknown } | { error: string }> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, body: await readBody(res) };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
    if (e.name === "TimeoutError" || e.name === "AbortError") return { error: `No answer within ${timeoutMs / 1000} s.` };
    // Only the cause's code or message: undici's own message can quote the URL (GA4's carries the API secret; scrubbed anyway).
    return { error: `Network error: ${e.cause?.code ?? e.cause?.message ?? e.message ?? "unknown"}.` };
  }
}

/** Graph API error codes that mean "slow down" (throttling) or a transient failure on Meta's side. */
const META_THROTTLED = new Set([4, 17, 32, 341, 613, 80004]);
const META_TRANSIENT = new Set([1, 2]);

type Send = { now: Date; endpoints: Endpoints; timeoutMs: number };

async function sendMeta(row: Claimed, config: ConversionConfigRow, { endpoints, timeoutMs }: Send): Promise<Outcome> {
  // A test event may check the setup before the platform is turned on.
  if ((!config.metaEnabled && !row.test) || !config.metaPixelId) return { kind: "failed", code: null, error: "Meta is turned off for this project (or has no Pixel ID)." };
  const token = config.metaAccessTokenSealed ? openFor("meta-capi-token", `project:${row.projectId}`, config.metaAccessTokenSealed) : null;
  if (!token) return { kind: "failed", code: null, error: `${TOKEN_PROBLEM} missing or unreadable: save it again in Marketing → Conversions.` };
  // Set in the settings, the test code goes with every event (issue 12: while an admin tests the setup); a test event needs one.
  const testEventCode = config.metaTestEventCode;
  if (row.test && !testEventCode) return { kind: "failed", code: null, error: "A test event needs the project's test event code." };
  const url = `${endpoints.metaGraphUrl}/${endpoints.metaGraphVersion}/${encodeURIComponent(config.metaPixelId)}/events`;
  const r = await post(url, metaRequestBody(toOutboxRow(row), { accessToken: token, testEventCode }), timeoutMs);
  if ("error" in r) return { kind: "retry", code: null, error: scrub(r.error, [token]) };
  if (r.status >= 200 && r.status < 300) return { kind: "sent", code: r.status };
  const err = (r.body as { error?: { message?: string; code?: number; error_subcode?: number } } | null)?.error;
  const code = typeof err?.code === "number" ? err.code : null;
  const detail = scrub(`${err?.message ?? (typeof r.body === "string" ? r.body : "")}`, [token]) || "no details";
  const what = `HTTP ${r.status}${code !== null ? `, code ${code}` : ""}`;
  if (code === 190 || r.status === 401) return { kind: "failed", code: r.status, error: `${TOKEN_PROBLEM} rejected by Meta (${what}): ${detail}`.slice(0, ERROR_MAX) };
  if (r.status === 429 || (code !== null && META_THROTTLED.has(code))) return { kind: "retry", code: r.status, error: `Rate limited by Meta (${what}): ${detail}`.slice(0, ERROR_MAX) };
  if (r.status >= 500 || (code !== null && META_TRANSIENT.has(code))) return { kind: "retry", code: r.status, error: `Meta unavailable (${what}): ${detail}`.slice(0, ERROR_MAX) };
  return { kind: "failed", code: r.status, error: `Meta refused the event (${what}): ${detail}`.slice(0, ERROR_MAX) };
}

async function sendGa4(row: Claimed, config: ConversionConfigRow, { endpoints, timeoutMs, now }: Send): Promise<Outcome> {
  if ((!config.ga4Enabled && !row.test) || !config.ga4MeasurementId) return { kind: "failed", code: null, error: "GA4 is turned off for this project (or has no measurement ID)." };
  const secret = config.ga4ApiSecretSealed ? openFor("ga4-api-secret", `project:${row.projectId}`, config.ga4ApiSecretSealed) : null;
  if (!secret) return { kind: "failed", code: null, error: "API secret missing or unreadable: save it again in Marketing → Conversions." };
  // A test event goes to the validation server, which records nothing and says what it would reject.
  const path = row.test ? "debug/mp/collect" : "mp/collect";
  const url = `${endpoints.ga4MpUrl}/${path}?measurement_id=${encodeURIComponent(config.ga4MeasurementId)}&api_secret=${encodeURIComponent(secret)}`;
  const r = await post(url, ga4RequestBody(toOutboxRow(row), now), timeoutMs);
  if ("error" in r) return { kind: "retry", code: null, error: scrub(r.error, [secret]) };
  if (r.status >= 200 && r.status < 300) {
    const messages = (r.body as { validationMessages?: { description?: string; fieldPath?: string }[] } | null)?.validationMessages;
    if (row.test && Array.isArray(messages) && messages.length > 0) {
      const text = messages.map((m) => `${m.fieldPath ? `${m.fieldPath}: ` : ""}${m.description ?? "invalid"}`).join("; ");
      return { kind: "failed", code: r.status, error: scrub(`GA4 validation: ${text}`, [secret]) };
    }
    return { kind: "sent", code: r.status };
  }
  const detail = scrub(typeof r.body === "string" ? r.body : JSON.stringify(r.body ?? ""), [secret]);
  if (r.status === 429 || r.status >= 500) return { kind: "retry", code: r.status, error: `GA4 unavailable (HTTP ${r.status}) ${detail}`.trim().slice(0, ERROR_MAX) };
  return { kind: "failed", code: r.status, error: `GA4 refused the event (HTTP ${r.status}) ${detail}`.trim().slice(0, ERROR_MAX) };
}

function toOutboxRow(row: Claimed): OutboxRow {
  return { eventId: row.eventId, eventName: row.eventName, occurredAt: row.occurredAt, test: row.test, payload: row.payload as ConversionPayload };
}

async function deliverOne(
  db: Db,
  row: Claimed,
  a: Send & { config: (projectId: number) => Promise<ConversionConfigRow | null>; random: () => number },
): Promise<Outcome> {
  let outcome: Outcome;
  if (!row.test && a.now.getTime() - row.occurredAt.getTime() > MAX_EVENT_AGE_MS) {
    outcome = { kind: "expired", error: "Older than 7 days when its turn came: Meta accepts events up to 7 days old, so it was not sent." };
  } else {
    const config = row.projectId === null ? null : await a.config(row.projectId);
    if (!config) outcome = { kind: "failed", code: null, error: "The project has no conversion settings any more." };
    else outcome = row.platform === "meta" ? await sendMeta(row, config, a) : await sendGa4(row, config, a);
  }
  const nextAttemptAt = new Date(a.now.getTime() + backoffMs(row.attempts, a.random));
  if (outcome.kind === "retry" && row.test && row.attempts >= MAX_TEST_ATTEMPTS) {
    outcome = { kind: "failed", code: outcome.code, error: `Gave up after ${row.attempts} attempts. ${outcome.error}`.slice(0, ERROR_MAX) };
  } else if (outcome.kind === "retry" && !row.test && nextAttemptAt.getTime() - row.occurredAt.getTime() > MAX_EVENT_AGE_MS) {
    outcome = {
      kind: "expired",
      error: `Not delivered in 7 days (${row.attempts} attempts; Meta accepts events up to 7 days old). Last answer: ${outcome.error}`.slice(0, ERROR_MAX),
    };
  }
  const set =
    outcome.kind === "sent"
      ? { status: "sent" as const, sentAt: a.now, responseCode: outcome.code, lastError: null }
      : outcome.kind === "retry"
        ? { status: "queued" as const, nextAttemptAt, responseCode: outcome.code, lastError: outcome.error }
        : outcome.kind === "expired"
          ? { status: "expired" as const, lastError: outcome.error }
          : { status: "failed" as const, responseCode: outcome.code, lastError: outcome.error };
  // Only a row still queued (ours, by the lease) is written: an admin's re-queue or a second claim can't be overwritten by a late answer.
  await db
    .update(conversionEvents)
    .set({ ...set, updatedAt: a.now })
    .where(sql`${conversionEvents.id} = ${row.id} and ${conversionEvents.status} = 'queued'`);
  if (outcome.kind !== "sent") {
    logger.warn({ conversionEvent: row.id, platform: row.platform, outcome: outcome.kind, attempts: row.attempts, code: "code" in outcome ? outcome.code : null }, "conversion not delivered");
  }
  return outcome;
}

/**
 * One run of the worker: claim a batch of due rows and deliver them, a few
 * requests at a time. Returns how each ended (tests, logs). `endpoints`
 * default to lib/env.ts (META_GRAPH_URL, META_GRAPH_VERSION, GA4_MP_URL).
 */
export async function deliverDueConversions(
  db: Db,
  opts: { now?: Date; endpoints?: Endpoints; limit?: number; random?: () => number; timeoutMs?: number } = {},
): Promise<{ claimed: number; sent: number; retried: number; failed: number; expired: number }> {
  const now = opts.now ?? new Date();
  const endpoints = opts.endpoints ?? getEnv();
  const rows = await claimDueConversions(db, now, opts.limit);
  const configs = new Map<number, Promise<ConversionConfigRow | null>>();
  const config = (projectId: number) => {
    let c = configs.get(projectId);
    if (!c) configs.set(projectId, (c = findConversionConfig(db, projectId)));
    return c;
  };
  const counts = { claimed: rows.length, sent: 0, retried: 0, failed: 0, expired: 0 };
  let next = 0;
  const lane = async () => {
    while (next < rows.length) {
      const row = rows[next++];
      try {
        const o = await deliverOne(db, row, { now, endpoints, config, random: opts.random ?? Math.random, timeoutMs: opts.timeoutMs ?? REQUEST_TIMEOUT_MS });
        if (o.kind === "sent") counts.sent++;
        else if (o.kind === "retry") counts.retried++;
        else if (o.kind === "failed") counts.failed++;
        else counts.expired++;
      } catch (err) {
        // A database hiccup writing the outcome: the lease runs out and the row is tried again.
        logger.error({ err: loggable(err), conversionEvent: row.id }, "conversion delivery failed");
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, rows.length) }, lane));
  return counts;
}

/** The sweeper-leader job (server.ts): every 2 s, a stage change reaches the platforms within seconds. */
export function conversionJobs(db: Db) {
  return [{ name: "conversions", everyMs: 2_000, run: (now: Date) => deliverDueConversions(db, { now }) }];
}

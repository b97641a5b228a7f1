import type { ConversionPayload } from "./outbox";

/**
 * The two platforms' request bodies, built from an outbox row's payload.
 * Pure: secrets are passed in by the worker, which alone decrypts them.
 */

export type OutboxRow = {
  eventId: string;
  eventName: string;
  occurredAt: Date;
  test: boolean;
  payload: ConversionPayload;
};

/**
 * Meta's fbc: the `_fbc` cookie when the page had one, else built from the
 * captured fbclid the way the pixel would have, `fb.1.<ms>.<fbclid>` (ms: when
 * the click id was seen). Null when there is neither.
 */
export function fbcOf(p: Pick<ConversionPayload, "fbc" | "fbclid" | "capturedAtMs">): string | null {
  if (p.fbc) return p.fbc;
  if (p.fbclid && p.capturedAtMs) return `fb.1.${p.capturedAtMs}.${p.fbclid}`;
  return null;
}

/**
 * One Conversions API server event. `action_source` is "chat" for a chat's
 * lead (Meta's value for a conversion made in a chat), "system_generated"
 * for a lead from a form, a CSV or a sheet, qualified in the CRM.
 * `user_data` holds only what exists: hashed em/ph as arrays (never a plain
 * value), fbc, fbp, the visitor's ip and user agent.
 */
export function metaServerEvent(row: OutboxRow) {
  const p = row.payload;
  const userData: Record<string, unknown> = {};
  if (p.em) userData.em = [p.em];
  if (p.ph) userData.ph = [p.ph];
  const fbc = fbcOf(p);
  if (fbc) userData.fbc = fbc;
  if (p.fbp) userData.fbp = p.fbp;
  if (p.ip) userData.client_ip_address = p.ip;
  if (p.userAgent) userData.client_user_agent = p.userAgent;
  const customData: Record<string, unknown> = {};
  if (p.value !== null && p.currency) {
    customData.value = p.value;
    customData.currency = p.currency;
  }
  return {
    event_name: row.eventName,
    event_time: Math.floor(row.occurredAt.getTime() / 1000),
    event_id: row.eventId,
    action_source: p.leadSource === "chat" ? "chat" : "system_generated",
    ...(p.landingUrl ? { event_source_url: p.landingUrl } : {}),
    user_data: userData,
    ...(Object.keys(customData).length ? { custom_data: customData } : {}),
  };
}

/** The JSON body of POST /{version}/{pixel id}/events; the token travels in the body, never in a URL that might be logged. */
export function metaRequestBody(row: OutboxRow, a: { accessToken: string; testEventCode: string | null }) {
  return {
    data: [metaServerEvent(row)],
    access_token: a.accessToken,
    ...(a.testEventCode ? { test_event_code: a.testEventCode } : {}),
  };
}

/** GA4 accepts a timestamp up to 72 hours back; an older event is recorded when it arrives. */
const GA4_BACKDATE_MS = 72 * 3600 * 1000;

/**
 * The Measurement Protocol body: the visitor's GA client id (from `_ga`, or
 * a generated one), the recommended lead event with the session id when
 * known, the UTM values as GA4's campaign parameters, value/currency, the
 * lead's source, and our event id for cross-reference.
 */
export function ga4RequestBody(row: OutboxRow, now: Date) {
  const p = row.payload;
  const params: Record<string, unknown> = { lead_source: p.leadSource, event_id: row.eventId };
  if (p.gaSessionId) params.session_id = p.gaSessionId;
  const utm: [string, string | null][] = [
    ["source", p.utm.source],
    ["medium", p.utm.medium],
    ["campaign", p.utm.campaign],
    ["term", p.utm.term],
    ["content", p.utm.content],
  ];
  for (const [k, v] of utm) if (v) params[k] = v.slice(0, 100);
  if (p.value !== null && p.currency) {
    params.value = p.value;
    params.currency = p.currency;
  }
  if (row.test) params.debug_mode = true;
  const backdate = now.getTime() - row.occurredAt.getTime() < GA4_BACKDATE_MS;
  return {
    client_id: p.gaClientId,
    ...(backdate ? { timestamp_micros: row.occurredAt.getTime() * 1000 } : {}),
    events: [{ name: row.eventName, params }],
  };
}

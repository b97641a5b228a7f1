/**
 * Reading a range through googleapis (Sheets API v4) with the service
 * account's JWT. Only the sheets module is imported: the `googleapis` entry
 * point loads all of Google's APIs (hundreds of modules) for one call. Every
 * failure is a `SheetsReadError` whose `kind` decides what the caller does
 * (a 4xx for the admin, a backoff for the poller) and whose message says
 * what to fix.
 */
import { createHash } from "node:crypto";
import { auth, sheets } from "googleapis/build/src/apis/sheets";
import { getEnv } from "../../env";
import { singleton } from "../../singleton";
import type { ServiceAccountKey } from "./service-account";

export const SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets.readonly";
/** One read (the token exchange included) may take this long; then the poll fails and backs off. */
export const READ_TIMEOUT_MS = 20_000;
/** gtoken posts the token request here; GOOGLE_TOKEN_URL (lib/env.ts) may send it elsewhere (tests), the key's own `token_uri` never does. */
const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

export type SheetsErrorKind = "no_key" | "auth" | "forbidden" | "not_found" | "bad_range" | "quota" | "server" | "network";

export class SheetsReadError extends Error {
  constructor(
    readonly kind: SheetsErrorKind,
    message: string,
    /** From a 429's Retry-After, when Google sent one. */
    readonly retryAfterMs: number | null = null,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = "SheetsReadError";
  }
}

/** By name, not `instanceof`: server.ts and Next's bundle can each hold a copy of this module. */
export function isSheetsReadError(err: unknown): err is SheetsReadError {
  return typeof err === "object" && err !== null && (err as { name?: string }).name === "SheetsReadError" && "kind" in err;
}

type Jwt = InstanceType<typeof auth.JWT>;

/**
 * One JWT client per key per process, so its access token (valid an hour) is
 * reused across polls instead of being exchanged on every read.
 */
function jwtFor(key: ServiceAccountKey): Jwt {
  const cache = singleton("sheets.jwt-clients", () => new Map<string, Jwt>());
  const tokenUrl = getEnv().googleTokenUrl;
  const id = createHash("sha256").update(`${key.client_email}\n${tokenUrl}\n${key.private_key}`).digest("base64url");
  let jwt = cache.get(id);
  if (!jwt) {
    jwt = new auth.JWT({ email: key.client_email, key: key.private_key, scopes: [SHEETS_SCOPE], transporterOptions: { timeout: READ_TIMEOUT_MS } });
    const tokenUri = new URL(tokenUrl);
    if (tokenUri.href !== GOOGLE_TOKEN_URL) {
      jwt.transporter.interceptors.request.add({
        resolved: async (config) => {
          if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUri);
          return config;
        },
      });
    }
    if (cache.size > 8) cache.clear();
    cache.set(id, jwt);
  }
  return jwt;
}

export type SheetValues = {
  /** The range Google answered for, in A1 notation ("Sheet1!A1:Z120"): its first row is the header's. */
  range: string;
  rows: string[][];
};

/**
 * Read one range's cells as shown in the sheet (formatted values, rows as
 * Google sends them: trailing empty cells omitted). No retries here: the
 * poller owns the backoff, and the admin sees the first answer.
 */
export async function readSheetValues(a: {
  key: ServiceAccountKey;
  spreadsheetId: string;
  range: string;
  rootUrl: string;
  /** The range as the admin wrote it, for messages (when `range` is derived from it). */
  rangeLabel?: string;
}): Promise<SheetValues> {
  const api = sheets({ version: "v4", auth: jwtFor(a.key), rootUrl: `${a.rootUrl.replace(/\/+$/, "")}/` });
  try {
    const res = await api.spreadsheets.values.get(
      { spreadsheetId: a.spreadsheetId, range: a.range, majorDimension: "ROWS", valueRenderOption: "FORMATTED_VALUE" },
      { timeout: READ_TIMEOUT_MS, retry: false, signal: AbortSignal.timeout(READ_TIMEOUT_MS) },
    );
    const values = Array.isArray(res.data.values) ? res.data.values : [];
    return {
      range: typeof res.data.range === "string" ? res.data.range : a.range,
      rows: values.map((r) => (Array.isArray(r) ? r.map((c) => (c === null || c === undefined ? "" : String(c))) : [])),
    };
  } catch (err) {
    throw describeFailure(err, { key: a.key, range: a.rangeLabel ?? a.range });
  }
}

type GaxiosLike = {
  status?: number;
  code?: string | number;
  message?: string;
  config?: { url?: string | URL };
  response?: { status?: number; headers?: Headers | Record<string, string>; data?: unknown };
};

function header(h: unknown, name: string): string | null {
  if (!h || typeof h !== "object") return null;
  if (typeof (h as Headers).get === "function") return (h as Headers).get(name);
  const v = (h as Record<string, unknown>)[name];
  return typeof v === "string" ? v : null;
}

/** Retry-After in seconds or as an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function googleMessage(data: unknown): string {
  const e = (data as { error?: { message?: unknown } | string; error_description?: unknown } | null) ?? null;
  if (e && typeof e.error === "object" && typeof e.error.message === "string") return e.error.message.slice(0, 200);
  if (e && typeof e.error_description === "string") return e.error_description.slice(0, 200);
  if (e && typeof e.error === "string") return e.error.slice(0, 200);
  return "";
}

function describeFailure(err: unknown, a: { key: ServiceAccountKey; range: string }): SheetsReadError {
  const e = (err ?? {}) as GaxiosLike;
  const status = e.response?.status ?? e.status ?? null;
  const url = String(e.config?.url ?? "");
  const said = googleMessage(e.response?.data);
  const isToken = url === GOOGLE_TOKEN_URL || url === new URL(getEnv().googleTokenUrl).href;
  if (isToken && status !== null && status < 500 && status !== 429) {
    return new SheetsReadError("auth", `Google refused the service-account key${said ? ` (${said})` : ""}. Check that the key is current and hasn't been deleted.`, null, status);
  }
  if (status === 429) {
    return new SheetsReadError("quota", "Google's read quota for the service account is used up for now; the source waits and tries again.", retryAfterMs(header(e.response?.headers, "retry-after")), 429);
  }
  if (status === 401) return new SheetsReadError("auth", `Google refused the service account's token${said ? ` (${said})` : ""}.`, null, 401);
  if (status === 403) {
    if (/has not been used|is disabled|SERVICE_DISABLED/i.test(said)) {
      return new SheetsReadError("forbidden", "The Google Sheets API is not enabled for the service account's Google Cloud project: enable it there.", null, 403);
    }
    return new SheetsReadError("forbidden", `The service account can't open this sheet. Share the sheet with ${a.key.client_email} (Viewer is enough).`, null, 403);
  }
  if (status === 404) return new SheetsReadError("not_found", "There is no spreadsheet with this ID (check the URL), or it was deleted.", null, 404);
  if (status === 400) return new SheetsReadError("bad_range", `Google can't read the range "${a.range}"${said ? `: ${said}` : ""}. Use a sheet's name and columns, like Sheet1!A:Z.`, null, 400);
  if (status !== null && status >= 500) return new SheetsReadError("server", `Google Sheets answered ${status}; the source tries again later.`, null, status);
  if (status !== null) return new SheetsReadError("server", `Google Sheets answered ${status}${said ? ` (${said})` : ""}.`, null, status);
  const timedOut = e.code === "ETIMEDOUT" || (err as { name?: string }).name === "TimeoutError" || (err as { name?: string }).name === "AbortError" || /timeout|aborted/i.test(e.message ?? "");
  return new SheetsReadError("network", timedOut ? `Google Sheets didn't answer within ${READ_TIMEOUT_MS / 1000} s.` : "Couldn't reach Google Sheets from the server.");
}

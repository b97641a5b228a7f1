import { isTransientDbError } from "../db/transient";
import { ZodError } from "zod";
import { logger } from "./logger";

/** The closed set of failure codes. Branch on `code`, never on `instanceof`. */
export type ErrorCode =
  | "bad_request"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "blocked"
  | "unavailable"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  blocked: 403,
  unavailable: 503,
  internal: 500,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.details = opts.details;
  }
}

export function isAppError(err: unknown): err is AppError {
  return typeof err === "object" && err !== null && (err as { name?: string }).name === "AppError" && "code" in err;
}

function isZodError(err: unknown): err is ZodError {
  return err instanceof ZodError || (typeof err === "object" && err !== null && (err as { name?: string }).name === "ZodError");
}

export function fieldErrors(err: ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of err.issues) {
    const key = issue.path.join(".") || "_";
    out[key] ??= issue.message;
  }
  return out;
}

export type ErrorBody = { error: { code: ErrorCode | "validation"; message: string; fields?: Record<string, string> } };

/** Describe any thrown value as a status + body; unknown errors are logged and hidden. */
export function describeError(err: unknown): { status: number; body: ErrorBody } {
  if (isZodError(err)) {
    return {
      status: 400,
      body: { error: { code: "validation", message: "Some fields are invalid.", fields: fieldErrors(err) } },
    };
  }
  if (isAppError(err)) {
    const fields = err.details?.fields as Record<string, string> | undefined;
    return { status: STATUS[err.code], body: { error: { code: err.code, message: err.message, ...(fields ? { fields } : {}) } } };
  }
  if (isTransientDbError(err)) {
    // A lost connection, a failover, a serialisation failure: not a bug, and the same request may succeed in a moment.
    logger.warn({ err: driverError(err) }, "request failed: database unavailable");
    return { status: 503, body: { error: { code: "unavailable", message: "The service is briefly unavailable. Please try again in a moment." } } };
  }
  if (err instanceof SyntaxError) {
    return { status: 400, body: { error: { code: "bad_request", message: "Malformed JSON body." } } };
  }
  logger.error({ err: loggable(err) }, "unhandled error");
  return { status: 500, body: { error: { code: "internal", message: "Something went wrong." } } };
}

/** The driver's own error, not drizzle's wrapper (whose message quotes the query and its parameters: a visitor's text). */
function driverError(err: unknown) {
  let e = err as { message?: unknown; code?: unknown; cause?: unknown };
  for (let depth = 0; e.cause && typeof e.cause === "object" && depth < 6; depth++) e = e.cause as typeof e;
  return { message: e.message, code: e.code };
}

/**
 * What the log may keep of an unexpected error. A failed query keeps its SQL
 * text and the driver's error, never drizzle's message or `params` (a
 * visitor's message, an email, a password hash).
 */
export function loggable(err: unknown): unknown {
  if (err && typeof err === "object" && "params" in err && "query" in err) {
    const e = err as { query: unknown; cause?: unknown };
    const driver = e.cause instanceof Error ? e.cause : undefined;
    return { type: "DrizzleQueryError", query: e.query, ...driverError(err), stack: driver?.stack };
  }
  return err;
}

/** One mapping from errors to HTTP responses. A blocked IP gets a bare 403. */
export function toHttpResponse(err: unknown): Response {
  if (isAppError(err) && err.code === "blocked") return new Response(null, { status: 403 });
  const { status, body } = describeError(err);
  // Over a limit: say when to come back (RFC 9110 Retry-After, in seconds).
  const retry = isAppError(err) && err.code === "rate_limited" ? Number(err.details?.retryAfterSeconds) : status === 503 ? 2 : NaN;
  return Response.json(body, { status, headers: Number.isFinite(retry) ? { "Retry-After": String(Math.max(1, Math.ceil(retry))) } : undefined });
}

/** The same mapping for ws error frames. */
export function toWsError(err: unknown, ref?: string) {
  const { body } = describeError(err);
  return { type: "error" as const, ref, code: body.error.code, message: body.error.message };
}

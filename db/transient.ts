// No imports: lib/errors.ts maps these for every HTTP route without loading a database driver.

/** SQLSTATEs that mean "the database is briefly unavailable, the same request may succeed again". */
const TRANSIENT_SQLSTATE = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "53300", // too_many_connections
  "57P01", // admin_shutdown (pg_terminate_backend, a restart)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, in recovery)
]);
const TRANSIENT_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
/** node-postgres's own messages for a connection that is gone (they carry no code). */
const LOST_CONNECTION = /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly/i;

/**
 * Is this a database failure a retry can get past (a lost connection, a
 * restarting server, a serialisation failure), rather than a bug or a refusal?
 * Walks the `cause` chain: drizzle wraps the driver's error ("Failed query: …").
 */
export function isTransientDbError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && (TRANSIENT_SQLSTATE.has(code) || code.startsWith("08") || TRANSIENT_ERRNO.has(code))) return true;
    if (typeof message === "string" && LOST_CONNECTION.test(message)) return true;
  }
  return false;
}

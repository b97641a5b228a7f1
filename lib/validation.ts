import { z } from "zod";

/** An integer primary key as PostgreSQL stores it, as a JSON number (ws frames): larger values would be a 500 (22003), not a clean 4xx. */
export const DbIdValue = z.number().int().positive().max(2_147_483_647);
/** The same from a URL segment, query or form field ("42"). */
export const DbId = z.coerce.number().pipe(DbIdValue);

/** A bigint key that still fits a JS number exactly (message ids), as a JSON number… */
export const BigIdValue = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** …and from a URL or form. */
export const BigId = z.coerce.number().pipe(BigIdValue);

/**
 * An opaque keyset cursor "<timestamp ms>.<id>" (the last row of the previous
 * page). Bounded so a forged cursor is a 400, never a database error.
 */
export function keysetCursor(maxId: number) {
  return z
    .string()
    .regex(/^\d{1,15}\.\d{1,16}$/, "Invalid cursor.")
    .transform((s, ctx) => {
      const [ms, id] = s.split(".").map(Number);
      const at = new Date(ms);
      if (Number.isNaN(at.getTime()) || id > maxId) {
        ctx.addIssue({ code: "custom", message: "Invalid cursor." });
        return z.NEVER;
      }
      return { at, id };
    });
}

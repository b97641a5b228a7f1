import { timestamp } from "drizzle-orm/pg-core";

/**
 * Millisecond precision on purpose: keyset cursors round-trip through JS Dates
 * (ms), and a µs column would make `(created_at, id) < cursor` skip rows.
 */
export const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: "date" });
export const createdAt = () => ts("created_at").notNull().defaultNow();
export const updatedAt = () => ts("updated_at").notNull().defaultNow();

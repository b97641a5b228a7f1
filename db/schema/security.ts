import { boolean, index, integer, pgEnum, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, ts } from "./_common";
import { users } from "./users";

export const blockSource = pgEnum("block_source", ["manual", "auto"]);
export const strikeRule = pgEnum("strike_rule", ["login", "scanner", "upload", "rate_limit"]);
export type StrikeRule = (typeof strikeRule.enumValues)[number];

export const blockedIps = pgTable(
  "blocked_ips",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    /** A single address or a CIDR range. */
    address: text("address").notNull(),
    reason: text("reason").notNull().default(""),
    source: blockSource("source").notNull(),
    /** The strike rule that tripped an automatic block. */
    rule: strikeRule("rule"),
    /** Null = until manually unblocked. */
    expiresAt: ts("expires_at"),
    operatorId: integer("operator_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("blocked_ips_address_idx").on(t.address), index("blocked_ips_expires_idx").on(t.expiresAt)],
);

export const strikes = pgTable(
  "strikes",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    ip: text("ip").notNull(),
    rule: strikeRule("rule").notNull(),
    /** A sign-in attempt whose password is still being checked (it counts as in flight, not yet as a failure). */
    pending: boolean("pending").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index("strikes_ip_rule_created_idx").on(t.ip, t.rule, t.createdAt)],
);

/**
 * Failed sign-ins per account, from any address (lib/security/account-throttle.ts):
 * they slow that account's sign-in down, never lock it. `account_key` is a
 * hash of the lowercased login, whether or not such an account exists, so
 * the table neither reveals which accounts exist nor keeps what people typed.
 */
export const signInFailures = pgTable(
  "sign_in_failures",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    accountKey: text("account_key").notNull(),
    /** An attempt whose password is still being checked: it counts as a failure until it settles. */
    pending: boolean("pending").notNull().default(false),
    failedAt: ts("failed_at").notNull(),
  },
  (t) => [index("sign_in_failures_key_idx").on(t.accountKey, t.failedAt), index("sign_in_failures_failed_idx").on(t.failedAt)],
);

import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { rowsOf } from "../../db/raw";
import { strikeRule, type StrikeRule } from "../../db/schema";
import { assertCan, can } from "../auth/permissions";
import { keysetCursor, keysetPage, pageFields, seekOrder, seekSql, type TablePage } from "../console/keyset";
import type { StaffCtx } from "../ctx";
import { parseIpRange } from "../security/client-ip";
import { DbIdValue } from "../validation";
import { blockPermission } from "./block-address";

/** Newest first: the cursor is (created_at, id). */
const Cursor = keysetCursor(z.tuple([z.iso.datetime(), DbIdValue]));

export const BLOCK_STATUSES = ["active", "expired", "all"] as const;
export const BLOCK_SOURCES = ["manual", "auto"] as const;

export const ListBlocksInput = z
  .object({
    /** In force now (the default), past their expiry, or both. */
    status: z.enum(BLOCK_STATUSES, { error: "Status must be active, expired or all." }).default("active"),
    source: z.enum(BLOCK_SOURCES, { error: "Source must be manual or auto." }).optional(),
    rule: z.enum(strikeRule.enumValues, { error: "Unknown strike rule." }).optional(),
    /** Part of the address or range ("203.0.113", "2001:db8:"). */
    q: z.string().trim().max(64, "Search with at most 64 characters.").optional(),
    ...pageFields(Cursor),
  })
  .strict();

export type BlockRowDTO = {
  id: number;
  address: string;
  source: "manual" | "auto";
  rule: StrikeRule | null;
  reason: string;
  createdAt: string;
  /** null: until lifted. */
  expiresAt: string | null;
  active: boolean;
  operator: { id: number; name: string } | null;
  /** Whether the viewer may lift it: a single client needs visitor.block, a wider range security.manage. */
  canUnblock: boolean;
};

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const iso = (v: unknown) => new Date(v as string | Date).toISOString();

/**
 * One page of blocked addresses — manual and automatic, with the rule that
 * tripped, when, until when, who and why — newest first, keyset-paginated on
 * (created_at, id). Filters: in force / expired / all, source, rule, part of
 * the address. `security.view` (admins and managers). The total is an exact
 * count: the table holds a row per block, and expired ones only until lifted.
 */
export async function listBlocks({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<TablePage<BlockRowDTO>> {
  assertCan(ctx.actor, "security.view");
  const data = ListBlocksInput.parse(input);
  const where: SQL[] = [sql`true`];
  if (data.status === "active") where.push(sql`(b.expires_at is null or b.expires_at > ${ctx.now.toISOString()}::timestamptz)`);
  if (data.status === "expired") where.push(sql`b.expires_at <= ${ctx.now.toISOString()}::timestamptz`);
  if (data.source) where.push(sql`b.source = ${data.source}`);
  if (data.rule) where.push(sql`b.rule = ${data.rule}`);
  if (data.q) where.push(sql`b.address ilike ${`%${likeEscape(data.q)}%`}`);
  const filter = sql.join(where, sql` and `);
  const [{ n }] = rowsOf<{ n: number }>(await ctx.db.execute(sql`select count(*)::int as n from blocked_ips b where ${filter}`));
  const columns = [sql`b.created_at`, sql`b.id`];
  const page = await keysetPage({
    page: data,
    encode: Cursor.encode,
    keyOf: (r: Record<string, unknown>) => [iso(r.created_at), Number(r.id)] as [string, number],
    total: Number(n),
    fetch: async (seek, take) =>
      rowsOf<Record<string, unknown>>(
        await ctx.db.execute(sql`
          select b.id, b.address, b.source, b.rule, b.reason, b.created_at, b.expires_at, b.operator_id, u.display_name as operator_name
          from blocked_ips b left join users u on u.id = b.operator_id
          where ${filter} ${seek ? sql`and ${seekSql(columns, { ...seek, key: [sql`${seek.key[0]}::timestamptz`, seek.key[1]] }, "desc")}` : sql``}
          order by ${sql.join(seekOrder(columns, seek?.direction ?? "forward", "desc"), sql`, `)}
          limit ${take}`),
      ),
  });
  return { ...page, items: page.items.map((r) => toDTO(ctx, r)) };
}

function toDTO(ctx: StaffCtx, r: Record<string, unknown>): BlockRowDTO {
  const expiresAt = r.expires_at == null ? null : iso(r.expires_at);
  let perm: ReturnType<typeof blockPermission> = "security.manage";
  try {
    perm = blockPermission(parseIpRange(String(r.address), { lenient: true }));
  } catch {
    // A malformed stored row: lifting it is the admin's call (as unblockAddress decides).
  }
  const active = expiresAt === null || new Date(expiresAt).getTime() > ctx.now.getTime();
  return {
    id: Number(r.id),
    address: String(r.address),
    source: r.source as BlockRowDTO["source"],
    rule: (r.rule ?? null) as StrikeRule | null,
    reason: String(r.reason ?? ""),
    createdAt: iso(r.created_at),
    expiresAt,
    active,
    operator: r.operator_id == null ? null : { id: Number(r.operator_id), name: String(r.operator_name ?? "Deleted user") },
    canUnblock: active && can(ctx.actor, perm),
  };
}

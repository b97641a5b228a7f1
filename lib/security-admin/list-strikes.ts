import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { rowsOf, sqlBool } from "../../db/raw";
import { strikeRule, type StrikeRule } from "../../db/schema";
import { assertCan } from "../auth/permissions";
import { keysetCursor, keysetPage, pageFields, seekOrder, seekSql, type TablePage } from "../console/keyset";
import type { StaffCtx } from "../ctx";
import { effectiveRule, STRIKE_RULE_NAMES, type RuleSettings } from "../security/rules";
import { loadSecuritySettings } from "../security/security-settings";

/** Most recently struck first: the cursor is (last strike, rule, address). */
const Cursor = keysetCursor(z.tuple([z.iso.datetime(), z.enum(strikeRule.enumValues), z.string().min(1).max(64)]));

export const ListStrikesInput = z
  .object({
    rule: z.enum(strikeRule.enumValues, { error: "Unknown strike rule." }).optional(),
    /** Part of the address (or IPv6 /64). */
    q: z.string().trim().max(64, "Search with at most 64 characters.").optional(),
    ...pageFields(Cursor),
  })
  .strict();

/** One client's strikes under one rule. */
export type StrikeGroupDTO = {
  rule: StrikeRule;
  /** The client as the rules count it: an IPv4 address or an IPv6 /64. */
  address: string;
  /** Strikes stored (they are forgotten after the longest window). */
  total: number;
  /** Strikes inside the rule's rolling window now: `limit` of them block the client. */
  inWindow: number;
  firstAt: string;
  lastAt: string;
  /** A block is in force on exactly this client (another rule tripped, or a manual block). */
  blocked: boolean;
};

export type StrikeRuleSummary = RuleSettings & {
  rule: StrikeRule;
  /** "5 failed sign-ins in 10 minutes". */
  reason: string;
  /** Strikes inside the window now, and from how many clients. */
  strikes: number;
  clients: number;
  /** Automatic blocks of this rule in force now. */
  activeBlocks: number;
};

export type StrikesPage = TablePage<StrikeGroupDTO> & { rules: StrikeRuleSummary[] };

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const iso = (v: unknown) => new Date(v as string | Date).toISOString();

/**
 * Recent strikes, by rule and by client (`security.view`): a summary per
 * rule (strikes in its window, clients, automatic blocks in force) and one
 * keyset-paginated page of (rule, client) groups, most recently struck
 * first. Strikes that tripped a block are consumed by it (the block list
 * shows those); the scanner rule counts in memory or Redis and writes only
 * its blocks, so it shows no strikes here.
 */
export async function listStrikes({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<StrikesPage> {
  assertCan(ctx.actor, "security.view");
  const data = ListStrikesInput.parse(input);
  const settings = (await loadSecuritySettings(ctx.db)).strikeRules;
  const now = ctx.now.toISOString();
  // Each rule's window start, as SQL: a strike counts toward a block while it is inside it.
  const windowStart = sql`case ${sql.join(
    STRIKE_RULE_NAMES.map((r) => sql`when s.rule = ${r} then ${now}::timestamptz - make_interval(mins => ${settings[r].windowMinutes}::int)`),
    sql` `,
  )} end`;

  const summaryRows = rowsOf<{ rule: StrikeRule; strikes: number; clients: number }>(
    await ctx.db.execute(sql`
      select s.rule, count(*)::int as strikes, count(distinct s.ip)::int as clients
      from strikes s where s.pending = false and s.created_at > ${windowStart}
      group by s.rule`),
  );
  const blockRows = rowsOf<{ rule: StrikeRule; n: number }>(
    await ctx.db.execute(sql`
      select b.rule, count(*)::int as n from blocked_ips b
      where b.source = 'auto' and b.rule is not null and (b.expires_at is null or b.expires_at > ${now}::timestamptz)
      group by b.rule`),
  );
  const rules: StrikeRuleSummary[] = STRIKE_RULE_NAMES.map((rule) => {
    const s = summaryRows.find((r) => r.rule === rule);
    return {
      rule,
      ...settings[rule],
      reason: effectiveRule(rule, settings[rule]).reason,
      strikes: Number(s?.strikes ?? 0),
      clients: Number(s?.clients ?? 0),
      activeBlocks: Number(blockRows.find((r) => r.rule === rule)?.n ?? 0),
    };
  });

  const where: SQL[] = [sql`s.pending = false`];
  if (data.rule) where.push(sql`s.rule = ${data.rule}`);
  if (data.q) where.push(sql`s.ip ilike ${`%${likeEscape(data.q)}%`}`);
  const filter = sql.join(where, sql` and `);
  const [{ n }] = rowsOf<{ n: number }>(
    await ctx.db.execute(sql`select count(*)::int as n from (select 1 from strikes s where ${filter} group by s.rule, s.ip) g`),
  );
  const columns = [sql`max(s.created_at)`, sql`s.rule::text`, sql`s.ip`];
  const page = await keysetPage({
    page: data,
    encode: Cursor.encode,
    keyOf: (r: Record<string, unknown>) => [iso(r.last_at), r.rule as StrikeRule, String(r.ip)] as [string, StrikeRule, string],
    total: Number(n),
    fetch: async (seek, take) =>
      rowsOf<Record<string, unknown>>(
        await ctx.db.execute(sql`
          select s.rule, s.ip, count(*)::int as total,
                 (count(*) filter (where s.created_at > ${windowStart}))::int as in_window,
                 min(s.created_at) as first_at, max(s.created_at) as last_at,
                 exists (select 1 from blocked_ips b where b.address = s.ip and (b.expires_at is null or b.expires_at > ${now}::timestamptz)) as blocked
          from strikes s
          where ${filter}
          group by s.rule, s.ip
          ${seek ? sql`having ${seekSql(columns, { ...seek, key: [sql`${seek.key[0]}::timestamptz`, seek.key[1], seek.key[2]] }, "desc")}` : sql``}
          order by ${sql.join(seekOrder(columns, seek?.direction ?? "forward", "desc"), sql`, `)}
          limit ${take}`),
      ),
  });
  return {
    ...page,
    items: page.items.map((r) => ({
      rule: r.rule as StrikeRule,
      address: String(r.ip),
      total: Number(r.total),
      inWindow: Number(r.in_window),
      firstAt: iso(r.first_at),
      lastAt: iso(r.last_at),
      blocked: sqlBool(r.blocked),
    })),
    rules,
  };
}

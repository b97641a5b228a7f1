/**
 * The CRM's lead list at 1,000,000 leads (issue 11, "Benchmark": page 1 vs a
 * deep page, within 2×), on PGlite and, when reachable, PostgreSQL.
 * `npm run bench` runs it (BENCH_LEADS_TABLE=0 skips); alone:
 * `npx tsx bench/leads-table.ts` (BENCH_DB=pglite|postgres picks one).
 *
 * Seeds (generate_series, one INSERT…SELECT per table) BENCH_LEADS_ROWS leads
 * (default 1,000,000) over 20 projects and 50 agents: 20 % chat leads (each
 * with its visitor and chat; 1 in 4 of those chats is held by another agent
 * than the lead), 40 % web, 30 % CSV — 30 imports of ~10,000 rows, each
 * import's rows sharing one created_at and project, mostly new and
 * unassigned, as csv-import-job.ts writes them — and 10 % Sheets (a poll's
 * rows share a timestamp a day); stages otherwise 65 % new, 20 % qualified,
 * 10 % not qualified, 5 % converted; 20 % unassigned; two years of
 * created_at. Then times the whole `listLeads` call (the page query with its
 * joins, the filter menus, the cached total) as an admin and as an agent
 * (whose scope is their leads and their chats' leads), per tab and filter:
 * page 1; a deep page — a keyset cursor at 90 % of the list, the one a
 * person would hold after paging there — and a Prev from it; the page that
 * starts just before an import 90 % down (it must get past the import's
 * rows when they're outside the filter); a page inside an import's tie on
 * created_at. The pages of one filter run round-robin, so load from
 * elsewhere hits them alike. And the total, counted cold against the cached
 * one. Goal: every page within 2× its page 1.
 *
 * Knobs: BENCH_LEADS_ROWS, BENCH_LEADS_CALLS (default 30 on PostgreSQL, 20 on PGlite),
 * BENCH_LEADS_EXPLAIN=1 (plans of every deep page, not only those over 2×), BENCH_LEADS_KEEP=1 (keep the PostgreSQL database),
 * BENCH_LEADS_OLD_INDEXES=1 (the leads indexes before migration 0017, for comparison),
 * BENCH_DB=all|pglite|postgres, BENCH_DATABASE_URL / TEST_DATABASE_URL, BENCH_OUT=path (the markdown).
 */
import type { SQL } from "drizzle-orm";

process.env.LOG_LEVEL ??= "warn";

const { default: fs } = await import("node:fs");
const { default: os } = await import("node:os");
const { sql } = await import("drizzle-orm");
const { z } = await import("zod");
const { rowsOf } = await import("../db/raw");
const { LEAD_STAGES, leadSource } = await import("../db/schema");
const { createThrowawayDatabase } = await import("../db/testing");
const { openDatabase } = await import("../db/client");
const { listLeads } = await import("../lib/crm/list-leads");
const { forgetTableTotals } = await import("../lib/console/cached-total");
const { keysetCursor } = await import("../lib/console/keyset");
const { staffActor } = await import("../lib/ctx");
const { createStaff } = await import("../tests/factories");
const { resolvePostgres } = await import("./lib/db");
const { summarize } = await import("./lib/stats");

const env = process.env;
const num = (name: string, dflt: number) => (env[name] ? Number(env[name]) : dflt);
const ROWS = num("BENCH_LEADS_ROWS", 1_000_000);
/** Leads g per CSV import: 3 in 10 are CSV, so ~10,000 rows an import. */
const IMPORT_SPAN = 33_334;
const fmt = (n: number, d = 2) => n.toLocaleString("en-GB", { maximumFractionDigits: d, minimumFractionDigits: d });
const int = (n: number) => n.toLocaleString("en-GB");
const log = (s: string) => console.log(`leads-table: ${s}`);

/** The list's cursor, built the way lib/crm/list-leads.ts builds it: (created_at ms, id) and the row's 0-based position. */
const Cursor = keysetCursor(z.tuple([z.number().int(), z.number().int()]));

type Db = import("../db/client").Db;
type Row = { name: string; p50: number; p90: number; ratio: number | null; goal: boolean };
type Total = { name: string; rows: number; cold: number; warm: number };
type Result = { kind: "pglite" | "postgres"; label: string; seed: string; seedS: number; calls: number; rows: Row[]; totals: Total[]; plans: string[]; wallS: number };

async function seed(db: Db) {
  const admin = await createStaff(db, { role: "admin", displayName: "Bench Admin" });
  const agents: (typeof admin)[] = [];
  for (let i = 0; i < 50; i++) agents.push(await createStaff(db, { role: "agent", crmEnabled: true, displayName: `Bench Agent ${String(i).padStart(2, "0")}` }));
  await db.execute(sql`insert into projects (slug, title) select 'bench-' || g, 'Bench project ' || g from generate_series(1, 20) g`);
  const [{ p0 }] = rowsOf<{ p0: number }>(await db.execute(sql`select min(id)::int as p0 from projects where slug like 'bench-%'`));
  const agentArr = sql.raw(`array[${agents.map((a) => a.id).join(",")}]::int[]`);
  // Lead g (0-based): source by g % 10 (0–1 chat, 2–5 web, 6–8 CSV, 9 Sheets); other attributes from
  // independent hashes of g, so no filter lines up with another or with the order.
  const h = (salt: number) => sql.raw(`(hashint4(g * 7 + ${salt}) & 2147483647)`);
  const chats = Math.floor(ROWS / 10) * 2 + Math.min(2, ROWS % 10);
  const t0 = performance.now();
  // Chat leads' visitors and chats: chat i belongs to lead g = (i / 2) * 10 + i % 2, created with it.
  await db.execute(sql`
    insert into visitors (project_id, token, name, phone, email, created_at)
    select ${p0} + (g / 10) % 20, 'bench-' || i, 'Lead ' || g, '+1' || lpad(g::text, 10, '0'), 'lead' || g || '@example.test',
           now() - ((${ROWS} - g) * interval '63 seconds')
    from generate_series(0, ${chats - 1}) i cross join lateral (select (i / 2) * 10 + i % 2 as g) x`);
  const [{ v0 }] = rowsOf<{ v0: number }>(await db.execute(sql`select min(id)::int as v0 from visitors`));
  await db.execute(sql`
    insert into conversations (project_id, visitor_id, status, assignee_id, lead_stage, visitor_phone, last_message_at, last_message_preview, created_at, closed_at)
    select ${p0} + (g / 10) % 20, ${v0} + i, 'closed',
           -- the lead's assignee, except 1 in 4 chats held by another agent (transferred)
           case when ${h(1)} % 100 < 20 then null else (${agentArr})[1 + (${h(2)} + case when ${h(3)} % 4 = 0 then 17 else 0 end) % 50] end,
           'new', '+1' || lpad(g::text, 10, '0'), now() - ((${ROWS} - g) * interval '63 seconds'), 'Hello',
           now() - ((${ROWS} - g) * interval '63 seconds'), now() - ((${ROWS} - g) * interval '63 seconds')
    from generate_series(0, ${chats - 1}) i cross join lateral (select (i / 2) * 10 + i % 2 as g) x`);
  const [{ c0, cn, cmax }] = rowsOf<{ c0: number; cn: number; cmax: number }>(
    await db.execute(sql`select min(id)::int as c0, count(*)::int as cn, max(id)::int as cmax from conversations`),
  );
  if (cmax - c0 + 1 !== cn) throw new Error("conversation ids are not contiguous: the chat leads' mapping would be wrong");
  const tChats = performance.now();
  await db.execute(sql`
    insert into leads (source, project_id, conversation_id, visitor_id, name, phone, email, stage, assignee_id, created_at, updated_at)
    select s.source::lead_source, case when s.source = 'csv' then ${p0} + (g / ${IMPORT_SPAN}) % 20 else ${p0} + (g / 10) % 20 end,
           case when s.source = 'chat' then ${c0} + (g / 10) * 2 + g % 10 end,
           case when s.source = 'chat' then ${v0} + (g / 10) * 2 + g % 10 end,
           'Lead ' || g, '+1' || lpad(g::text, 10, '0'), 'lead' || g || '@example.test',
           -- an import's leads arrive new and unassigned; 1 in 5 has been worked since
           (case when s.source = 'csv' and ${h(5)} % 5 > 0 then 'new'
                 when ${h(4)} % 100 < 5 then 'converted' when ${h(4)} % 100 < 25 then 'qualified' when ${h(4)} % 100 < 35 then 'not_qualified' else 'new' end)::lead_stage,
           case when ${h(1)} % 100 < 20 or (s.source = 'csv' and ${h(5)} % 5 > 0) then null else (${agentArr})[1 + ${h(2)} % 50] end,
           t.at, t.at
    from generate_series(0, ${ROWS - 1}) g
    cross join lateral (select case when g % 10 < 2 then 'chat' when g % 10 < 6 then 'web' when g % 10 < 9 then 'csv' else 'sheet' end as source) s
    -- two years back, newest last; a CSV import's rows share its one timestamp (csv-import-job.ts writes them in one
    -- transaction), ~10,000 rows an import into one project; a Sheets poll's rows share one a day
    cross join lateral (select case when s.source = 'csv' then now() - ((${ROWS} - least(${ROWS} - 1, (g / ${IMPORT_SPAN} + 1) * ${IMPORT_SPAN} - 1)) * interval '63 seconds')
                                    when s.source = 'sheet' then date_trunc('day', now() - ((${ROWS} - g) * interval '63 seconds'))
                                    else now() - ((${ROWS} - g) * interval '63 seconds') end as at) t`);
  const tLeads = performance.now();
  await db.execute(sql`vacuum analyze visitors`);
  await db.execute(sql`vacuum analyze conversations`);
  if (env.BENCH_LEADS_OLD_INDEXES === "1") {
    // The indexes before migration 0017, to measure what the per-source and per-stage partial indexes changed.
    for (const v of [...leadSource.enumValues.map((x) => `source_${x}`), ...LEAD_STAGES.map((x) => `stage_${x}`)]) await db.execute(sql.raw(`drop index leads_${v}_created_idx`));
    await db.execute(sql`create index leads_stage_created_idx on leads (stage, created_at)`);
    await db.execute(sql`create index leads_source_created_idx on leads (source, created_at, id)`);
  }
  await db.execute(sql`vacuum analyze leads`);
  const tAnalyze = performance.now();
  const summary = `${env.BENCH_LEADS_OLD_INDEXES === "1" ? "(indexes before 0017) " : ""}${int(chats)} visitors + chats in ${fmt((tChats - t0) / 1000, 1)} s, ${int(ROWS)} leads in ${fmt((tLeads - tChats) / 1000, 1)} s, vacuum analyze ${fmt((tAnalyze - tLeads) / 1000, 1)} s`;
  log(`seeded ${summary}`);
  return { admin, agent: agents[17], seedS: (tAnalyze - t0) / 1000, summary };
}

async function runOn(kind: "pglite" | "postgres", pgUrl: string | undefined, label: string): Promise<Result> {
  const calls = num("BENCH_LEADS_CALLS", kind === "pglite" ? 20 : 30);
  const t00 = performance.now();
  let drop: (() => Promise<void>) | undefined;
  let url: string | undefined;
  if (kind === "postgres") ({ url, drop } = await createThrowawayDatabase(pgUrl!, "occ_bench_leads"));
  const handle = await openDatabase(url ? { url } : {});
  const db = handle.db;
  try {
    log(`${kind}: seeding ${int(ROWS)} leads`);
    const s = await seed(db);
    const adminCtx = () => ({ actor: staffActor(s.admin), db, now: new Date() });
    const agentCtx = () => ({ actor: staffActor(s.agent), db, now: new Date() });
    type Ctx = ReturnType<typeof adminCtx>;
    const call = (ctx: () => Ctx, input: Record<string, unknown>) => listLeads({ ctx: ctx(), input });
    async function time(ctx: () => Ctx, input: Record<string, unknown>, opts: { cold?: boolean } = {}) {
      const samples: number[] = [];
      for (let i = 0; i < calls + 5; i++) {
        if (opts.cold) forgetTableTotals(db, "leads");
        const a = performance.now();
        await call(ctx, input);
        if (i >= 5) samples.push(performance.now() - a);
      }
      return summarize(samples);
    }

    // The deep page's cursor: the row at 90 % of the filtered list (what Next would hand a person there).
    const agentScope = sql`(l.assignee_id = ${s.agent.id} or l.conversation_id in (select c.id from conversations c where c.assignee_id = ${s.agent.id}))`;
    async function deepCursors(where: SQL) {
      const [{ n }] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from leads l where ${where}`));
      const at = Math.floor(n * 0.9);
      const [r] = rowsOf<{ ms: string; id: number }>(
        await db.execute(sql`select (extract(epoch from created_at) * 1000)::bigint::text as ms, id from leads l where ${where} order by created_at desc, id desc offset ${at} limit 1`),
      );
      return { n, at, after: Cursor.encode([Number(r.ms), Number(r.id)], at), before: Cursor.encode([Number(r.ms), Number(r.id)], at) };
    }
    // The row at `at` of the filtered list, as the cursor a page that starts after it is reached by.
    async function cursorAt(where: SQL, at: number) {
      const [r] = rowsOf<{ ms: string; id: number }>(
        await db.execute(sql`select (extract(epoch from created_at) * 1000)::bigint::text as ms, id from leads l where ${where} order by created_at desc, id desc offset ${at} limit 1`),
      );
      return Cursor.encode([Number(r.ms), Number(r.id)], at);
    }
    // A page in the middle of the filter's largest run of leads sharing one created_at (an import): the tie-break on id decides it.
    async function tieCursor(where: SQL) {
      const [g] = rowsOf<{ at: string; n: number }>(
        await db.execute(sql`select created_at::text as at, count(*)::int as n from leads l where ${where} group by created_at order by count(*) desc limit 1`),
      );
      if (!g || g.n < 200) return null;
      const [{ newer }] = rowsOf<{ newer: number }>(await db.execute(sql`select count(*)::int as newer from leads l where ${where} and created_at > ${g.at}::timestamptz`));
      const at = newer + Math.floor(g.n / 2);
      return { group: g.n, at, after: await cursorAt(where, at) };
    }
    // The import nearest 90 % down the All list: a page that starts just before it must read past its rows (its
    // leads, new and unassigned, are outside most filters and outside an agent's scope).
    const [imp] = rowsOf<{ at: string; n: number }>(
      await db.execute(sql`
        select created_at::text as at, count(*)::int as n from leads
        where source = 'csv' and created_at <= (select created_at from leads order by created_at desc, id desc offset ${Math.floor(ROWS * 0.9)} limit 1)
        group by created_at having count(*) >= 1000 order by created_at desc limit 1`),
    );
    async function acrossCursor(where: SQL) {
      if (!imp) return null;
      const [{ newer }] = rowsOf<{ newer: number }>(await db.execute(sql`select count(*)::int as newer from leads l where ${where} and created_at > ${imp.at}::timestamptz`));
      if (!newer) return null;
      return { at: newer - 1, after: await cursorAt(where, newer - 1) };
    }
    type Case = { name: string; ctx: () => Ctx; input: Record<string, unknown>; where: SQL };
    const groups: Case[] = [
      { name: "All", ctx: adminCtx, input: {}, where: sql`true` },
      { name: "Web leads tab", ctx: adminCtx, input: { source: "web" }, where: sql`l.source = 'web'` },
      { name: "CSV leads tab", ctx: adminCtx, input: { source: "csv" }, where: sql`l.source = 'csv'` },
      { name: "stage New", ctx: adminCtx, input: { stage: "new" }, where: sql`l.stage = 'new'` },
      { name: "stage Qualified", ctx: adminCtx, input: { stage: "qualified" }, where: sql`l.stage = 'qualified'` },
      { name: "stage Converted", ctx: adminCtx, input: { stage: "converted" }, where: sql`l.stage = 'converted'` },
      { name: "Web leads + stage Qualified", ctx: adminCtx, input: { source: "web", stage: "qualified" }, where: sql`l.source = 'web' and l.stage = 'qualified'` },
      { name: "agent: All (their leads and their chats' leads)", ctx: agentCtx, input: {}, where: agentScope },
      { name: "agent: Chat leads tab", ctx: agentCtx, input: { source: "chat" }, where: sql`${agentScope} and l.source = 'chat'` },
    ];
    const rows: Row[] = [];
    const plans: string[] = [];
    const explainIt = async (name: string, c: Case, cursor: { after: string }) => {
      // The page query itself, as list-leads.ts sends it (through a query logger: the exact statement and parameters).
      const captured: { q: string; p: unknown[] }[] = [];
      const session = (db as unknown as { session: { logger: unknown; options: { logger?: unknown } } }).session;
      const before = { logger: session.logger, options: session.options.logger };
      const logger = { logQuery: (q: string, p: unknown[]) => captured.push({ q, p }) };
      session.logger = logger;
      session.options.logger = logger;
      try {
        await call(c.ctx, { ...c.input, after: cursor.after });
      } finally {
        session.logger = before.logger;
        session.options.logger = before.options;
      }
      const page = captured.find((x) => x.q.includes("from (select * from leads l"));
      if (!page) return;
      const inline = page.q.replace(/\$(\d+)/g, (_, i) => {
        const v = page.p[Number(i) - 1];
        return typeof v === "number" ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
      });
      const plan = rowsOf<Record<string, string>>(await db.execute(sql.raw(`explain (analyze, buffers) ${inline}`)))
        .map((r) => Object.values(r)[0])
        .join("\n");
      plans.push(`${name}:\n\n\`\`\`\n${plan}\n\`\`\``);
    };
    for (const c of groups) {
      const d = await deepCursors(c.where);
      const across = await acrossCursor(c.where);
      const tie = await tieCursor(c.where);
      type Page = { name: string; input: Record<string, unknown>; cursor?: { after: string } };
      const pages: Page[] = [
        { name: `${c.name}: page 1 (of ${int(d.n)})`, input: c.input },
        { name: `${c.name}: deep page, rows ${int(d.at + 2)}–`, input: { ...c.input, after: d.after }, cursor: d },
        { name: `${c.name}: Prev from row ${int(d.at + 1)}`, input: { ...c.input, before: d.before } },
      ];
      if (across) pages.push({ name: `${c.name}: the page across an import of ${int(imp.n)} leads, rows ${int(across.at + 2)}–`, input: { ...c.input, after: across.after }, cursor: across });
      if (tie) pages.push({ name: `${c.name}: a page inside an import (${int(tie.group)} of its leads share one created_at), rows ${int(tie.at + 2)}–`, input: { ...c.input, after: tie.after }, cursor: tie });
      await call(c.ctx, c.input); // the count, once (the cache's state on any page turn after the first)
      // Round robin (each round calls every page once): load from elsewhere on the machine hits them alike.
      const samples = pages.map(() => [] as number[]);
      for (let i = 0; i < calls + 5; i++) {
        for (const [j, pg] of pages.entries()) {
          const a = performance.now();
          await call(c.ctx, pg.input);
          if (i >= 5) samples[j].push(performance.now() - a);
        }
      }
      const stats = samples.map((x) => summarize(x));
      for (const [j, pg] of pages.entries()) {
        const ratio = j ? stats[j].p50 / stats[0].p50 : null;
        rows.push({ name: pg.name, p50: stats[j].p50, p90: stats[j].p90, ratio, goal: j > 0 });
        log(`${kind} ${pg.name}: p50 ${fmt(stats[j].p50, 3)} ms${ratio === null ? "" : ` (${fmt(ratio)}× page 1)`}`);
        if (pg.cursor && ratio !== null && (ratio > 2 || env.BENCH_LEADS_EXPLAIN === "1")) await explainIt(pg.name, c, pg.cursor);
      }
    }

    // The total: the first page of a filter set counts (cold); later turns reuse the count.
    const totals: Total[] = [];
    for (const c of [groups[0], groups[1], groups[4], groups[7]]) {
      const cold = await time(c.ctx, c.input, { cold: true });
      const warm = await time(c.ctx, c.input);
      const total = (await call(c.ctx, c.input)).total;
      totals.push({ name: c.name, rows: total, cold: cold.p50, warm: warm.p50 });
      log(`${kind} total for ${c.name}: ${total} rows; first page with a cold count p50 ${fmt(cold.p50, 1)} ms vs cached ${fmt(warm.p50, 3)} ms`);
    }
    return { kind, label, seed: s.summary, seedS: s.seedS, calls, rows, totals, plans, wallS: (performance.now() - t00) / 1000 };
  } finally {
    await handle.close();
    // BENCH_LEADS_KEEP=1 leaves the PostgreSQL database for EXPLAIN by hand (drop it after).
    if (env.BENCH_LEADS_KEEP === "1" && url) log(`kept ${url}`);
    else await drop?.();
  }
}

function markdown(r: Result): string {
  const held = r.rows.filter((x) => x.goal);
  const worst = Math.max(...held.map((x) => x.ratio!));
  return [
    `### Lead list at ${int(ROWS)} leads on ${r.label}`,
    "",
    `- seed: ${r.seed} (${fmt(r.seedS, 0)} s in all); wall time ${fmt(r.wallS, 0)} s`,
    `- each figure: the whole \`listLeads\` call (page query + project/assignee joins, the filter menus, the cached total), ${r.calls} calls after 5 warm-up, 20 rows; the deep cursor is the row at 90 % of the filtered list`,
    "",
    "| page | p50 | p90 | vs its page 1 (p50) |",
    "|---|---:|---:|---:|",
    ...r.rows.map((x) => `| ${x.name} | ${fmt(x.p50, 3)} ms | ${fmt(x.p90, 3)} ms | ${x.ratio === null ? "1×" : `${fmt(x.ratio)}×`} |`),
    "",
    `Goal (every deep page and Prev within 2× its page 1): **${worst <= 2 ? "met" : "not met"}** (worst ${fmt(worst)}×).`,
    "",
    "The \"of Z\" total — counted once per scope and filter set, then reused for 30 s (lib/console/cached-total.ts):",
    "",
    "| filter set | rows | first page, count cold | next pages, count cached |",
    "|---|---:|---:|---:|",
    ...r.totals.map((t) => `| ${t.name} | ${int(t.rows)} | ${fmt(t.cold, 1)} ms | ${fmt(t.warm, 3)} ms |`),
    ...(r.plans.length ? ["", "EXPLAIN (ANALYZE, BUFFERS) of the page query:", "", ...r.plans] : []),
    "",
  ].join("\n");
}

const kinds: ("pglite" | "postgres")[] = [];
const which = env.BENCH_DB ?? "all";
if (which !== "postgres") kinds.push("pglite");
const pg = which === "pglite" ? null : await resolvePostgres();
if (pg?.target) kinds.push("postgres");
const cpus = os.cpus();
const parts: string[] = [
  `## Lead list at ${int(ROWS)} leads (issue 11)`,
  "",
  `- ${cpus.length} × ${cpus[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}; load average before ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")}; run ${new Date().toISOString()}` +
    (pg && !pg.target ? `; ${pg.note}` : ""),
  "",
];
for (const kind of kinds) {
  const label = kind === "pglite" ? "PGlite (in-memory)" : (pg!.note.split(" at ")[0] ?? "PostgreSQL");
  try {
    parts.push(markdown(await runOn(kind, pg?.target?.url, label)));
  } catch (err) {
    log(`${kind} FAILED: ${(err as Error).stack ?? String(err)}`);
    parts.push(`### Lead list on ${label}\n\nFailed: ${(err as Error).message}\n`);
  }
}
const md = parts.join("\n");
console.log("\n" + md);
if (env.BENCH_OUT) fs.writeFileSync(env.BENCH_OUT, md);
process.exit(0);

/**
 * The back office's Chats table at 1,000,000 conversations (issue 10,
 * "Benchmark"), on PostgreSQL: `npm run bench` runs it (BENCH_CHATS_TABLE=0
 * skips); alone: `npx tsx bench/chats-table.ts`.
 *
 * Seeds (generate_series, one INSERT…SELECT per table) BENCH_CHATS_ROWS
 * conversations (default 1,000,000), one visitor each, over 20 projects and 50
 * agents, with statuses (70 % closed, 10 % each offline / active / queued),
 * lead stages, AI-owned chats and two years of last-message times spread.
 * Then times the whole table call (listAllConversations: page query, filter
 * menus, cached total) for page 1, a deep page reached by following Next
 * (BENCH_CHATS_DEEP clicks), a Prev from there, and each filter; and the
 * total: a cold count per filter set against the cached one. Goal: every page
 * within 2× page 1.
 *
 * Knobs: BENCH_CHATS_ROWS, BENCH_CHATS_DEEP=500, BENCH_CHATS_CALLS=30,
 * BENCH_DATABASE_URL / TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
 * BENCH_OUT=path (the markdown).
 */
process.env.LOG_LEVEL ??= "warn";
export {};

const { default: fs } = await import("node:fs");
const { default: os } = await import("node:os");
const { sql } = await import("drizzle-orm");
const { rowsOf } = await import("../db/raw");
const { createThrowawayDatabase } = await import("../db/testing");
const { openDatabase } = await import("../db/client");
const { forgetChatTotals, listAllConversations } = await import("../lib/console/chats-table");
const { staffActor } = await import("../lib/ctx");
const { createStaff } = await import("../tests/factories");
const { resolvePostgres } = await import("./lib/db");
const { summarize } = await import("./lib/stats");

const env = process.env;
const num = (name: string, dflt: number) => (env[name] ? Number(env[name]) : dflt);
const ROWS = num("BENCH_CHATS_ROWS", 1_000_000);
const DEEP = num("BENCH_CHATS_DEEP", 500);
const CALLS = num("BENCH_CHATS_CALLS", 30);
const fmt = (n: number, d = 2) => n.toLocaleString("en-GB", { maximumFractionDigits: d, minimumFractionDigits: d });
const log = (s: string) => console.log(`chats-table: ${s}`);

const pg = await resolvePostgres();
if (!pg.target) {
  const md = `## Chats table at ${ROWS.toLocaleString("en-GB")} conversations\n\nSkipped: ${pg.note}.\n`;
  log(md);
  if (env.BENCH_OUT) fs.writeFileSync(env.BENCH_OUT, md);
  process.exit(0);
}

const t00 = performance.now();
const { url, drop } = await createThrowawayDatabase(pg.target.url, "occ_bench_chats");
const handle = await openDatabase({ url });
const db = handle.db;
const out: string[] = [];
try {
  // --- Seed ------------------------------------------------------------------------------------------------
  const admin = await createStaff(db, { role: "admin", displayName: "Bench Admin" });
  const agents: number[] = [];
  for (let i = 0; i < 50; i++) agents.push((await createStaff(db, { role: "agent", displayName: `Bench Agent ${String(i).padStart(2, "0")}` })).id);
  await db.execute(sql`insert into projects (slug, title) select 'bench-' || g, 'Bench project ' || g from generate_series(1, 20) g`);
  const [{ p0 }] = rowsOf<{ p0: number }>(await db.execute(sql`select min(id)::int as p0 from projects where slug like 'bench-%'`));
  const agentArr = sql.raw(`array[${agents.join(",")}]::int[]`);
  const t0 = performance.now();
  // Names: 200 first names × 500 surnames (each full name ~10 visitors), emails and phones unique.
  await db.execute(sql`
    insert into visitors (project_id, token, name, phone, email, created_at)
    select ${p0} + g % 20, 'bench-' || g,
           'First' || lpad((g % 200)::text, 3, '0') || ' Surname' || lpad(((g / 200) % 500)::text, 3, '0'),
           '+1' || lpad(g::text, 10, '0'),
           'visitor' || g || '@example' || (g % 100) || '.test',
           now() - (g * interval '60 seconds')
    from generate_series(1, ${ROWS}) g`);
  const [{ v0 }] = rowsOf<{ v0: number }>(await db.execute(sql`select min(id)::int as v0 from visitors`));
  const tVisitors = performance.now();
  // status by g % 10: 0–6 closed, 7 offline, 8 active, 9 queued; every 4th active chat is the AI's.
  await db.execute(sql`
    insert into conversations (project_id, visitor_id, status, assignee_id, assigned_to_ai, lead_stage, visitor_phone,
                               last_message_at, last_message_preview, created_at, closed_at)
    select ${p0} + g % 20, ${v0} + g - 1, s.status::conversation_status,
           case when s.status = 'queued' or (s.status = 'active' and g % 40 = 8) then null else (${agentArr})[1 + (g * 7) % 50] end,
           s.status = 'active' and g % 40 = 8,
           (case when g % 20 = 0 then 'converted' when g % 5 = 1 then 'qualified' when g % 5 = 2 then 'not_qualified' else 'new' end)::lead_stage,
           '+1' || lpad(g::text, 10, '0'),
           -- two years back, newest last; a few hundred share each second, so ties on last_message_at are common
           date_trunc('second', now() - ((${ROWS} - g) * (interval '63 seconds'))) ,
           'Message ' || g,
           now() - ((${ROWS} - g) * (interval '63 seconds')) - interval '5 minutes',
           case when s.status = 'closed' then now() - ((${ROWS} - g) * (interval '63 seconds')) end
    from generate_series(1, ${ROWS}) g
    cross join lateral (select case when g % 10 < 7 then 'closed' when g % 10 = 7 then 'offline' when g % 10 = 8 then 'active' else 'queued' end as status) s`);
  const tConversations = performance.now();
  await db.execute(sql`vacuum analyze visitors`);
  await db.execute(sql`vacuum analyze conversations`);
  const tAnalyze = performance.now();
  log(
    `seeded ${ROWS} visitors in ${fmt((tVisitors - t0) / 1000, 1)} s, ${ROWS} conversations in ${fmt((tConversations - tVisitors) / 1000, 1)} s, vacuum analyze ${fmt((tAnalyze - tConversations) / 1000, 1)} s`,
  );

  // --- Measure ---------------------------------------------------------------------------------------------
  const ctx = () => ({ actor: staffActor(admin), db, now: new Date() });
  const call = (input: Record<string, unknown>) => listAllConversations({ ctx: ctx(), input });
  async function time(input: Record<string, unknown>, opts: { cold?: boolean } = {}) {
    const samples: number[] = [];
    for (let i = 0; i < CALLS + 5; i++) {
      if (opts.cold) forgetChatTotals(db);
      const a = performance.now();
      await call(input);
      if (i >= 5) samples.push(performance.now() - a);
    }
    return summarize(samples);
  }

  // A deep page: DEEP clicks on Next from page 1 (the cursor a person would hold there).
  let page = await call({});
  for (let i = 0; i < DEEP && page.next; i++) page = await call({ after: page.next });
  const deepFrom = page.from;
  const deepAfter = page.prev!;
  const deepBefore = page.next!;

  const [{ oneName }] = rowsOf<{ oneName: string }>(await db.execute(sql`select name as "oneName" from visitors where id = ${v0 + Math.floor(ROWS / 2)}`));
  const [{ oneEmail }] = rowsOf<{ oneEmail: string }>(await db.execute(sql`select email as "oneEmail" from visitors where id = ${v0 + Math.floor(ROWS / 3)}`));
  const dayStart = new Date(Date.now() - 200 * 86_400_000);
  dayStart.setUTCHours(0, 0, 0, 0);
  const cases: { name: string; input: Record<string, unknown> }[] = [
    { name: "page 1 (All, 20 rows)", input: {} },
    { name: `deep page: rows ${deepFrom.toLocaleString("en-GB")}– after ${DEEP} × Next`, input: { after: deepAfter } },
    { name: "Prev from that deep page", input: { before: deepBefore } },
    { name: "page 1 at 100 rows (5× the rows: not held to the goal)", input: { limit: 100 } },
    { name: "pill Assigned (active with a human, 7.5 %)", input: { pill: "assigned" } },
    { name: "pill Unassigned (queued, 10 %)", input: { pill: "unassigned" } },
    { name: "pill Offline (10 %)", input: { pill: "offline" } },
    { name: "pill Closed (70 %)", input: { pill: "closed" } },
    { name: "lead stage Converted (5 %)", input: { stage: "converted" } },
    { name: "agent (one of 50, ~1.8 %)", input: { agent: String(agents[17]) } },
    { name: "AI agent (2.5 %)", input: { agent: "ai" } },
    { name: "project (one of 20)", input: { project: String(p0 + 7) } },
    { name: "date range: one day, 200 days back", input: { from: dayStart.toISOString(), to: new Date(dayStart.getTime() + 86_400_000).toISOString() } },
    { name: `search: a full name (~${Math.round(ROWS / 100_000)} visitors)`, input: { q: oneName } },
    { name: "search: an email", input: { q: oneEmail } },
    { name: "search: a phone, typed with spaces", input: { q: "+1 000 050 0000" } },
    { name: "search: a first name (1 in 200 visitors)", input: { q: "First123" } },
    { name: "Unassigned + project + stage", input: { pill: "unassigned", project: String(p0 + 3), stage: "qualified" } },
  ];
  // Every filter set counted once (the cache's state on any page turn after the first).
  for (const c of cases) await call(c.input);
  const rows: { name: string; p50: number; p90: number; ratio: number }[] = [];
  let base = 0;
  for (const c of cases) {
    const s = await time(c.input);
    if (!base) base = s.p50;
    rows.push({ name: c.name, p50: s.p50, p90: s.p90, ratio: s.p50 / base });
    log(`${c.name}: p50 ${fmt(s.p50, 3)} ms, p90 ${fmt(s.p90, 3)} ms (${fmt(s.p50 / base)}× page 1)`);
  }

  // The total: the first page of a filter set counts (cold); later turns reuse the count.
  const totalCases = [cases[0], cases[4], cases[7], cases[9], cases[13]];
  const totals: { name: string; cold: number; warm: number; total: number }[] = [];
  for (const c of totalCases) {
    const cold = await time(c.input, { cold: true });
    const warm = await time(c.input);
    const total = (await call(c.input)).total;
    totals.push({ name: c.name, cold: cold.p50, warm: warm.p50, total });
    log(`total for ${c.name}: ${total} rows; first page with a cold count p50 ${fmt(cold.p50, 1)} ms vs cached ${fmt(warm.p50, 3)} ms`);
  }

  const worst = Math.max(...rows.filter((r) => !r.name.includes("not held")).map((r) => r.ratio));
  const cpus = os.cpus();
  out.push(
    `## Chats table at ${ROWS.toLocaleString("en-GB")} conversations (PostgreSQL)`,
    "",
    `- ${pg.note}; ${cpus.length} × ${cpus[0]?.model ?? "cpu"}, load average before ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")}; run ${new Date().toISOString()}`,
    `- seed: ${ROWS.toLocaleString("en-GB")} visitors + conversations (20 projects, 50 agents; 70 % closed, 10 % each offline / active / queued; 1 in 4 active chats the AI's; ties on last_message_at) in ${fmt((tAnalyze - t0) / 1000, 1)} s incl. vacuum analyze`,
    `- each figure: the whole \`listAllConversations\` call (page query + joins, the filter menus, the cached total), ${CALLS} calls after 5 warm-up, 20 rows unless said`,
    "",
    "| page | p50 | p90 | vs page 1 (p50) |",
    "|---|---:|---:|---:|",
    ...rows.map((r) => `| ${r.name} | ${fmt(r.p50, 3)} ms | ${fmt(r.p90, 3)} ms | ${fmt(r.ratio)}× |`),
    "",
    `Goal (every page within 2× page 1): **${worst <= 2 ? "met" : "not met"}** (worst ${fmt(worst)}×).`,
    "",
    "The \"of Z\" total — counted once per filter set, then reused for 30 s (an in-process LRU of 200 filter sets per database):",
    "",
    "| filter set | rows | first page, count cold | next pages, count cached |",
    "|---|---:|---:|---:|",
    ...totals.map((t) => `| ${t.name} | ${t.total.toLocaleString("en-GB")} | ${fmt(t.cold, 1)} ms | ${fmt(t.warm, 3)} ms |`),
    "",
    `Wall time ${fmt((performance.now() - t00) / 1000, 0)} s.`,
  );
} finally {
  await handle.close();
  await drop();
}
const md = out.join("\n") + "\n";
console.log("\n" + md);
if (env.BENCH_OUT) fs.writeFileSync(env.BENCH_OUT, md);
process.exit(0);

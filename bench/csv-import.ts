/**
 * CSV import of leads (issue 11, "Benchmark"): BENCH_CSV_ROWS rows (default
 * 100,000) through the real path — the upload streamed to disk and checked,
 * the preview, then the job (one streaming pass, staged batches, one
 * transaction) — on PGlite and, when reachable, PostgreSQL. Reports rows/s,
 * the process's peak RSS over its baseline, and the event loop's worst
 * delay while the job ran (it must yield between batches).
 * `npm run bench` runs it (BENCH_CSV_IMPORT=0 skips); alone: `npx tsx bench/csv-import.ts`.
 *
 * The file: name, phone (national, default country GB), email, two extra
 * columns; 1 % in-file duplicates, 1 % bad phones, 0.5 % bad emails, 0.5 %
 * ragged rows; the project already holds 10,000 leads, 1 % of the file
 * matches one of them. Knobs: BENCH_CSV_ROWS, BENCH_DB=all|pglite|postgres,
 * BENCH_DATABASE_URL / TEST_DATABASE_URL, BENCH_OUT=path.
 */
process.env.LOG_LEVEL ??= "warn";
export {};

const { default: fs } = await import("node:fs");
const { default: os } = await import("node:os");
const { default: path } = await import("node:path");
const { monitorEventLoopDelay } = await import("node:perf_hooks");
const { Readable } = await import("node:stream");
const { sql } = await import("drizzle-orm");
const { rowsOf } = await import("../db/raw");
const { createThrowawayDatabase } = await import("../db/testing");
const { openDatabase } = await import("../db/client");
const { parseEnv } = await import("../lib/env");
const { setSingleton } = await import("../lib/singleton");
const { createProject, createStaff, staffCtxFor } = await import("../tests/factories");
const { startLeadImport, uploadLeadImport } = await import("../lib/crm/csv-import");
const { claimNextImport, runLeadImport } = await import("../lib/crm/csv-import-job");
const { resolvePostgres } = await import("./lib/db");

const env = process.env;
const ROWS = env.BENCH_CSV_ROWS ? Number(env.BENCH_CSV_ROWS) : 100_000;
const EXISTING = 10_000;
const log = (s: string) => console.log(`csv-import: ${s}`);
const mb = (b: number) => (b / 1024 / 1024).toFixed(0);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "occ-bench-csv-"));
setSingleton("env", parseEnv({ DATA_DIR: dataDir, SESSION_SECRET: "b".repeat(40) } as unknown as NodeJS.ProcessEnv));

/** The benchmark's file, written to disk once (never held whole in memory). */
function writeFixture(file: string): { expected: { rejected: number } } {
  const out = fs.openSync(file, "w");
  let rejected = 0;
  const buf: string[] = ["Name,Phone,Email,Company,Notes\n"];
  for (let i = 0; i < ROWS; i++) {
    // UK drama-range style numbers spread over 020 7xxx xxxx: unique per i.
    let phone = `020 7${String(i).padStart(7, "0").replace(/^(\d{3})(\d{4})$/, "$1 $2")}`;
    let email = `lead${i}@example.com`;
    let cells = [`Lead ${i}`, phone, email, `Company ${i % 977}`, i % 3 ? "" : `"note, with comma ${i}"`];
    if (i % 100 === 1 && i > 1) cells = [`Dup ${i}`, `020 7${String(i - 1).padStart(7, "0").replace(/^(\d{3})(\d{4})$/, "$1 $2")}`, "", "dup", ""];
    else if (i % 100 === 2) (cells[1] = "12"), rejected++;
    else if (i % 200 === 3) (cells[2] = "not-an-email"), rejected++;
    else if (i % 200 === 5) (cells = cells.slice(0, 3)), rejected++;
    else if (i % 100 === 7) (cells[1] = `+4420${String(9_000_000 + (i % EXISTING)).padStart(8, "0")}`), (cells[2] = "");
    void phone;
    void email;
    buf.push(cells.join(",") + "\n");
    if (buf.length >= 5000) fs.writeSync(out, buf.splice(0).join(""));
  }
  fs.writeSync(out, buf.join(""));
  fs.closeSync(out);
  return { expected: { rejected } };
}

async function runOn(kind: "pglite" | "postgres", pgUrl?: string): Promise<string> {
  let drop: (() => Promise<void>) | undefined;
  let handle;
  if (kind === "postgres") {
    const t = await createThrowawayDatabase(pgUrl!, "occ_bench_csv");
    drop = t.drop;
    handle = await openDatabase({ url: t.url });
  } else {
    handle = await openDatabase({});
  }
  const db = handle.db;
  try {
    const admin = await createStaff(db, { role: "admin" });
    const project = await createProject(db);
    await db.execute(sql`
      insert into leads (source, project_id, name, phone, email)
      select 'web', ${project.id}, 'Existing ' || g, '+4420' || lpad((9000000 + g)::text, 8, '0'), 'existing' || g || '@example.com'
      from generate_series(0, ${EXISTING - 1}) g`);
    const file = path.join(dataDir, "bench.csv");
    const { expected } = writeFixture(file);
    const size = fs.statSync(file).size;
    const ctx = staffCtxFor(db, admin);

    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const t0 = performance.now();
    const body = Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array>;
    const { result: up } = await uploadLeadImport({ ctx, input: { fileName: "bench.csv" }, body });
    const tUpload = performance.now();
    await startLeadImport({ ctx, input: { importId: up.id, projectId: project.id, mapping: ["name", "phone", "email", "extra", "extra"], duplicates: "skip", defaultCountry: "GB" } });
    const claimed = (await claimNextImport(db))!;
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const tJob = performance.now();
    const done = await runLeadImport(db, claimed);
    const tEnd = performance.now();
    lag.disable();
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    if (done.status !== "done") throw new Error(`import ${done.status}: ${done.error}`);
    if (done.rejected !== expected.rejected) throw new Error(`rejected ${done.rejected}, expected ${expected.rejected}`);
    const [{ n }] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from leads where project_id = ${project.id} and source = 'csv'`));
    if (n !== done.imported) throw new Error(`leads ${n} vs imported ${done.imported}`);
    const jobS = (tEnd - tJob) / 1000;
    const allS = (tEnd - t0) / 1000;
    log(`${kind}: ${ROWS} rows in ${allS.toFixed(1)} s (job ${jobS.toFixed(1)} s), peak RSS +${mb(peak - baseline)} MB`);
    return [
      `| ${kind === "pglite" ? "PGlite (in-memory)" : "PostgreSQL"} | ${ROWS.toLocaleString("en-GB")} (${mb(size)} MB) | ${((tUpload - t0) / 1000).toFixed(2)} s | ${jobS.toFixed(1)} s | **${Math.round(ROWS / jobS).toLocaleString("en-GB")}** | ${Math.round(ROWS / allS).toLocaleString("en-GB")} | ${mb(baseline)} → ${mb(peak)} MB (+${mb(peak - baseline)}) | ${(lag.max / 1e6).toFixed(0)} ms / ${(lag.percentile(99) / 1e6).toFixed(0)} ms | ${done.imported.toLocaleString("en-GB")} / ${done.skipped.toLocaleString("en-GB")} / ${done.rejected.toLocaleString("en-GB")} |`,
    ].join("\n");
  } finally {
    await handle.close();
    await drop?.();
  }
}

const kinds: ("pglite" | "postgres")[] = [];
const which = env.BENCH_DB ?? "all";
if (which !== "postgres") kinds.push("pglite");
const pg = which === "pglite" ? null : await resolvePostgres();
if (pg?.target) kinds.push("postgres");
const rows: string[] = [];
try {
  for (const kind of kinds) rows.push(await runOn(kind, pg?.target?.url));
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
const md = [
  `### CSV import of ${ROWS.toLocaleString("en-GB")} leads (issue 11)`,
  "",
  `${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"}, Node ${process.version}; project already holding ${EXISTING.toLocaleString("en-GB")} leads; skip duplicates.${pg && !pg.target ? ` ${pg.note}.` : ""}`,
  "",
  "| database | rows (file) | upload + check + preview | job | job rows/s | end-to-end rows/s | RSS baseline → peak | event-loop delay max / p99 (job) | imported / skipped / rejected |",
  "|---|---|---|---|---|---|---|---|---|",
  ...rows,
  "",
].join("\n");
log("\n" + md);
if (env.BENCH_OUT) fs.writeFileSync(env.BENCH_OUT, md);
process.exit(0);

/**
 * `npm run bench`: realtime delivery through the full stack, a raw ws echo
 * baseline, and history paging, on PGlite and (when reachable) PostgreSQL.
 * Loopback only, bounded, stops by itself. Knobs (env):
 *   BENCH_QUICK=1            shorter run (fewer messages and calls)
 *   BENCH_DB=all|pglite|postgres
 *   BENCH_LEVELS=1,100,1000  concurrent conversations per level
 *   BENCH_MESSAGES=2000      measured messages per level (closed loop)
 *   BENCH_PACED_RATE=50      msgs/s for the paced run on the largest level
 *   BENCH_PACED_MESSAGES=600 (0 = no paced run)
 *   BENCH_CHATS_PER_AGENT=3  chats per agent socket (the default active-chat limit)
 *   BENCH_RECEIPTS=1         agent sends ✓✓ `delivered` for every message, like the console
 *   BENCH_HISTORY_SIZE=50000, BENCH_HISTORY_CALLS=200
 *   BENCH_HISTORY_NEIGHBOUR=50000  newer messages written to another chat for the "busy" history pass
 *   BENCH_ROUTING_AGENTS=50, BENCH_ROUTING_QUEUED=5000, BENCH_ROUTING_CONVERSATIONS=100000, BENCH_ROUTING=0 to skip
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test if reachable)
 *   BENCH_OUT=path           also write the markdown tables there
 *   BENCH_WAIT_IDLE=secs     first wait (at most that long) for other processes to leave the CPU idle
 *   BENCH_THREAD=0 skips, BENCH_THREAD=only runs only, the thread-in-Chromium benchmark (bench/thread.ts;
 *   BENCH_THREAD_SIZES=30,5000,50000, BENCH_THREAD_JUMP_BACK=40000)
 *   BENCH_SECURITY=0 skips the protections benchmark (bench/security.ts, per database; alone: `npm run bench:security`)
 *   BENCH_CHATS_TABLE=0 skips the back office's Chats table at 1,000,000 conversations (bench/chats-table.ts, PostgreSQL only;
 *   BENCH_CHATS_ROWS=1000000, BENCH_CHATS_DEEP=500; alone: `npx tsx bench/chats-table.ts`)
 *   BENCH_CSV_IMPORT=0 skips the CSV import of leads (bench/csv-import.ts: BENCH_CSV_ROWS=100000; alone: `npx tsx bench/csv-import.ts`)
 *   BENCH_LEADS_TABLE=0 skips the CRM's lead list at 1,000,000 leads (bench/leads-table.ts, PGlite and PostgreSQL;
 *   BENCH_LEADS_ROWS=1000000; alone: `npx tsx bench/leads-table.ts`)
 *   BENCH_LIGHTHOUSE=0 skips Lighthouse on the visitor landing page (bench/lighthouse.ts; alone: `npm run bench:lighthouse`)
 */
import "./lib/env";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import type { DbHandle } from "../db/client";
import { setSingleton } from "../lib/singleton";
import { runDelivery, type DeliveryConfig } from "./delivery";
import { runEcho, type EchoResult } from "./echo";
import { runHistory } from "./history";
import { lighthouseMarkdown, runLighthouse, type LighthouseResult } from "./lighthouse";
import { runRouting } from "./routing";
import { runThread, threadMarkdown, type ThreadResult } from "./thread";
import { cpuBetween, sampleCpu } from "./lib/cpu";
import { closeBenchDb, openBenchDb, resolvePostgres } from "./lib/db";
import type { LoadPlan } from "./lib/load";
import { markdown, ratioLines, type DbRun } from "./lib/report";

const env = process.env;
const quick = env.BENCH_QUICK === "1";
const num = (name: string, dflt: number) => (env[name] !== undefined && env[name] !== "" ? Number(env[name]) : dflt);
const cfg = {
  levels: (env.BENCH_LEVELS ?? "1,100,1000").split(",").map(Number).filter((n) => n > 0),
  messages: num("BENCH_MESSAGES", quick ? 500 : 2000),
  pacedRate: num("BENCH_PACED_RATE", 50),
  pacedMessages: num("BENCH_PACED_MESSAGES", quick ? 250 : 600),
  chatsPerAgent: num("BENCH_CHATS_PER_AGENT", 3),
  receipts: env.BENCH_RECEIPTS !== "0",
  historySize: num("BENCH_HISTORY_SIZE", 50_000),
  historyCalls: num("BENCH_HISTORY_CALLS", quick ? 50 : 200),
  historyNeighbour: num("BENCH_HISTORY_NEIGHBOUR", quick ? 20_000 : 50_000),
  db: (env.BENCH_DB ?? "all") as "all" | "pglite" | "postgres",
  routing: env.BENCH_ROUTING !== "0",
  routingAgents: num("BENCH_ROUTING_AGENTS", 50),
  routingQueued: num("BENCH_ROUTING_QUEUED", quick ? 1000 : 5000),
  routingConversations: num("BENCH_ROUTING_CONVERSATIONS", quick ? 20_000 : 100_000),
  lighthouse: env.BENCH_LIGHTHOUSE !== "0",
  phaseTimeoutMs: 180_000,
  // Lighthouse may first have to build the app (minutes on 2 cores), then runs Chromium three times.
  watchdogMs: num("BENCH_WATCHDOG_MS", 15 * 60_000) + num("BENCH_WAIT_IDLE", 0) * 1000 + (env.BENCH_LIGHTHOUSE !== "0" ? 20 * 60_000 : 0) +
    // The thread benchmark builds too (if needed), seeds ~100k messages and pages 50,000 into Chromium.
    (env.BENCH_THREAD !== "0" ? 20 * 60_000 : 0) +
    // The lead list seeds a million leads per database (~1.5 min on PGlite).
    (env.BENCH_LEADS_TABLE !== "0" ? 10 * 60_000 : 0),
};

const t00 = performance.now();
const stamp = () => {
  const s = Math.round((performance.now() - t00) / 1000);
  return `[${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}]`;
};
const log = (s: string) => console.log(s.startsWith("\n") || s.startsWith("-") ? s : `${stamp()} ${s}`);
const open = new Set<DbHandle>();

// A stuck run must still end: drop what we opened and exit non-zero.
const watchdog = setTimeout(() => {
  console.error(`bench: watchdog fired after ${cfg.watchdogMs} ms, giving up`);
  void cleanup().finally(() => process.exit(2));
}, cfg.watchdogMs);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    console.error(`bench: ${sig}, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
async function cleanup() {
  for (const h of open) await closeBenchDb(h).catch(() => {});
  open.clear();
}

/** The commit measured, and whether app code had uncommitted edits (the working tree is what runs). */
function gitDescribe(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "lib", "db", "server.ts"], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean).length;
    return `${head}${dirty ? ` + ${dirty} uncommitted file(s) in lib/ db/ server.ts` : ""}`;
  } catch {
    return "unknown commit";
  }
}

function plansFor(n: number, largest: boolean): { name: string; plan: LoadPlan }[] {
  const plans: { name: string; plan: LoadPlan }[] = [{ name: "closed", plan: { kind: "closed", total: cfg.messages } }];
  if (largest && cfg.pacedMessages > 0) plans.push({ name: "paced", plan: { kind: "paced", total: cfg.pacedMessages, rate: cfg.pacedRate } });
  return plans;
}

async function main() {
  const started = Date.now();
  const cpus = os.cpus();
  // Other people's work on this machine inflates every number: measure it up front.
  const waitIdle = num("BENCH_WAIT_IDLE", 0);
  if (waitIdle > 0) {
    const deadline = performance.now() + waitIdle * 1000;
    for (;;) {
      const a = sampleCpu();
      await new Promise((r) => setTimeout(r, 3_000));
      const other = cpuBetween(a, sampleCpu()).otherCores;
      if (other < 0.3 || performance.now() > deadline) break;
      log(`waiting for an idle machine: other processes use ${other.toFixed(2)} cores`);
    }
  }
  const bg0 = sampleCpu();
  await new Promise((r) => setTimeout(r, 1_000));
  const bg = cpuBetween(bg0, sampleCpu());
  const pgInfo = cfg.db === "pglite" ? { target: null, note: "PostgreSQL skipped (BENCH_DB=pglite)" } : await resolvePostgres();
  const meta = [
    `- machine: ${cpus.length} × ${cpus[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, ${os.type()} ${os.release()}`,
    `- Node ${process.version}, run ${new Date().toISOString()}${quick ? " (BENCH_QUICK=1)" : ""}, app code at ${gitDescribe()}`,
    `- ${pgInfo.note}`,
    `- background load before the run: ${bg.otherCores.toFixed(2)} of ${cpus.length} cores busy with other processes (load average ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")})` +
      (bg.otherCores > 0.3 ? " — WARNING: the machine is not idle; latencies and throughput will be pessimistic" : ""),
    `- levels ${cfg.levels.join(", ")} concurrent chats; ${cfg.messages} measured messages per level (closed loop: each chat sends its next message when the previous is acked); ` +
      `${cfg.chatsPerAgent} chats per agent socket; agent ✓✓ receipts ${cfg.receipts ? "on" : "off"}` +
      (cfg.pacedMessages > 0 ? `; plus ${cfg.pacedMessages} messages paced at ${cfg.pacedRate}/s on the largest level` : ""),
  ];
  for (const m of meta) log(m);
  const largest = Math.max(...cfg.levels);

  if (env.BENCH_THREAD === "only") return reportThread(await runThread(log));

  // 1. Baseline: raw ws echo at every level.
  const echo = new Map<number, EchoResult>();
  for (const n of cfg.levels) {
    const r = await runEcho(n, plansFor(n, n === largest), cfg.phaseTimeoutMs);
    echo.set(n, r);
    for (const p of r.phases) log(`echo N=${n} ${p.name}: p50 ${p.rtt.p50.toFixed(3)} ms, p99 ${p.rtt.p99.toFixed(3)} ms, ${Math.round(p.throughput)} msg/s`);
  }

  // 2. Full stack per database.
  const kinds: ("pglite" | "postgres")[] = [];
  if (cfg.db !== "postgres") kinds.push("pglite");
  if (cfg.db !== "pglite") {
    if (pgInfo.target) kinds.push("postgres");
    else log(`skipping PostgreSQL: ${pgInfo.note}`);
  }
  const runs: DbRun[] = [];
  for (const kind of kinds) {
    const run: DbRun = {
      kind,
      label: kind === "pglite" ? "PGlite 0.5 (in-memory, createTestDb())" : `PostgreSQL (throwaway database via createTestDb(), pool max 10)`,
      delivery: [],
    };
    runs.push(run);
    log(`\n== ${run.label}`);
    let handle: DbHandle | undefined;
    const c0 = sampleCpu();
    try {
      handle = await openBenchDb(kind, pgInfo.target?.url);
      open.add(handle);
      // dispatch.ts keeps visitor socket counts per conversation id on globalThis; ids restart per database.
      setSingleton("visitor-sockets", undefined);
      for (const n of cfg.levels) {
        const dcfg: DeliveryConfig = {
          conversations: n,
          chatsPerAgent: cfg.chatsPerAgent,
          receipts: cfg.receipts,
          plans: plansFor(n, n === largest),
          warmupPerConversation: n === 1 ? 50 : 2,
          timeoutMs: cfg.phaseTimeoutMs,
          probeQueries: n === Math.min(...cfg.levels),
        };
        run.delivery.push(await runDelivery(handle, dcfg, log));
      }
      run.history = await runHistory(
        handle,
        { bigSize: cfg.historySize, smallSize: 30, neighbourSize: cfg.historyNeighbour, calls: cfg.historyCalls, warmup: quick ? 10 : 20, chunk: 5000 },
        log,
      );
      if (cfg.routing) {
        // Its own database: the delivery and history rows above must not skew the routing numbers.
        const rh = await openBenchDb(kind, pgInfo.target?.url);
        open.add(rh);
        try {
          run.routing = await runRouting(
            rh,
            { agents: cfg.routingAgents, queued: cfg.routingQueued, conversations: cfg.routingConversations, pageCalls: quick ? 50 : 200, deepPage: 500 },
            log,
          );
        } finally {
          open.delete(rh);
          await closeBenchDb(rh).catch(() => {});
        }
      }
    } catch (err) {
      run.error = (err as Error).stack ?? String(err);
      log(`  ${kind} FAILED: ${run.error}`);
    } finally {
      run.cpu = cpuBetween(c0, sampleCpu());
      log(`  cores used during the ${kind} run: bench ${run.cpu.selfCores.toFixed(2)}, postgres ${run.cpu.pgCores.toFixed(2)}, other processes ${run.cpu.otherCores.toFixed(2)}`);
      if (handle) {
        open.delete(handle);
        await closeBenchDb(handle).catch((err) => log(`  closing ${kind} failed: ${(err as Error).message}`));
      }
    }
  }

  // 3. The thread in a real browser (its own server and database).
  let thread: ThreadResult | undefined;
  if (env.BENCH_THREAD !== "0") {
    try {
      thread = await runThread(log);
    } catch (err) {
      log(`thread FAILED: ${(err as Error).stack ?? String(err)}`);
      thread = { skipped: `failed: ${(err as Error).message}` };
    }
  }

  // 4. The visitor landing page in Lighthouse (its own production server and data dir).
  let lighthouse: LighthouseResult | undefined;
  let lighthouseFailed = false;
  if (cfg.lighthouse) {
    try {
      lighthouse = await runLighthouse(log);
      if ("skipped" in lighthouse) log(`lighthouse: skipped — ${lighthouse.skipped}`);
    } catch (err) {
      lighthouseFailed = true;
      log(`lighthouse FAILED: ${(err as Error).stack ?? String(err)}`);
      lighthouse = { skipped: `failed: ${(err as Error).message}` };
    }
  }

  // 5. The protections (issue 9): own processes, so the real limits apply (this one lifts them).
  let security = "";
  if (env.BENCH_SECURITY !== "0") {
    const kinds: ("pglite" | "postgres")[] = cfg.db === "postgres" ? [] : ["pglite"];
    if (pgInfo.target && cfg.db !== "pglite") kinds.push("postgres");
    for (const kind of kinds) security += await runSecurity(kind, pgInfo.target?.url);
  }

  // 6. The back office's Chats table at a million conversations (issue 10): PostgreSQL, own process and database.
  let chatsTable = "";
  if (env.BENCH_CHATS_TABLE !== "0" && cfg.db !== "pglite") chatsTable = await runChild("chats table", "bench/chats-table.ts", pgInfo.target?.url ?? "", 10 * 60_000);

  // 7. CSV import of 100,000 leads (issue 11): own process; PGlite, and PostgreSQL when reachable.
  let csvImport = "";
  if (env.BENCH_CSV_IMPORT !== "0") csvImport = await runChild("csv import", "bench/csv-import.ts", pgInfo.target?.url ?? "", 10 * 60_000);

  // 8. The CRM's lead list at a million leads (issue 11): own process; PGlite, and PostgreSQL when reachable.
  let leadsTable = "";
  if (env.BENCH_LEADS_TABLE !== "0") leadsTable = await runChild("leads table", "bench/leads-table.ts", pgInfo.target?.url ?? "", 15 * 60_000);

  meta.push(`- total wall time ${Math.round((Date.now() - started) / 1000)} s`);
  const md =
    markdown(runs, echo, meta) + (thread ? `\n${threadMarkdown(thread)}` : "") + (lighthouse ? `\n${lighthouseMarkdown(lighthouse)}` : "") + (security ? `\n${security}` : "") + (chatsTable ? `\n${chatsTable}` : "") + (csvImport ? `\n${csvImport}` : "") + (leadsTable ? `\n${leadsTable}` : "");
  log("\n================ results ================\n");
  for (const run of runs) for (const l of ratioLines(run, echo)) log(l);
  for (const run of runs) {
    const h = run.history;
    if (!h) continue;
    const open = h.rows[0];
    log(
      `[${run.kind}] history: last 30 of ${h.bigSize} msgs p50 ${open.big.p50.toFixed(3)} ms vs of ${h.smallSize} msgs ${open.small.p50.toFixed(3)} ms = ${(open.big.p50 / open.small.p50).toFixed(2)}×; ` +
        `page ${h.deepBack} back p50 ${h.deep.p50.toFixed(3)} ms; index scan backward: ${h.indexScanBackward ? "yes" : "NO"}`,
    );
  }
  for (const run of runs) {
    const r = run.routing;
    if (!r) continue;
    log(
      `[${run.kind}] routing: assignment p50 ${r.assign.p50.toFixed(2)} ms (${(r.assign.p50 / r.baseline.p50).toFixed(1)}× an empty locked transaction), ` +
        `${Math.round(r.assignPerSec)}/s sequential, ${Math.round(r.concurrentPerSec)}/s with ${r.concurrentCallers} drains; ` +
        `bucket page ${r.deepPage} vs page 1 at ${r.conversations} conversations: ${(r.pageDeep.p50 / r.page1.p50).toFixed(2)}×`,
    );
  }
  log("\n" + md);
  if (env.BENCH_OUT) {
    fs.writeFileSync(env.BENCH_OUT, md + "\n");
    log(`(written to ${env.BENCH_OUT})`);
  }
  return lighthouseFailed || runs.some((r) => r.error || r.delivery.some((d) => d.errors.length)) ? 1 : 0;
}

/** bench/security.ts in a child process on one database; its markdown, or a line saying it failed. */
async function runSecurity(kind: "pglite" | "postgres", pgUrl: string | undefined): Promise<string> {
  const outFile = `${os.tmpdir()}/occ-bench-security-${process.pid}-${kind}.md`;
  fs.rmSync(outFile, { force: true });
  log(`security (${kind}): cost per request, flood from one address`);
  try {
    execFileSync(process.execPath, ["--import", "tsx", "bench/security.ts"], {
      env: { ...process.env, BENCH_OUT: outFile, TEST_DATABASE_URL: kind === "postgres" ? pgUrl : "", RATE_LIMIT_FACTOR: "1" },
      stdio: ["ignore", "inherit", "inherit"],
      timeout: 10 * 60_000,
    });
    return fs.readFileSync(outFile, "utf8");
  } catch (err) {
    log(`security (${kind}) FAILED: ${(err as Error).message}`);
    return `security benchmark on ${kind} failed: ${(err as Error).message}\n`;
  } finally {
    fs.rmSync(outFile, { force: true });
  }
}

/** A benchmark script in a child process (its own database and singletons); its markdown, or a line saying it failed. */
async function runChild(name: string, script: string, pgUrl: string, timeout: number): Promise<string> {
  const outFile = `${os.tmpdir()}/occ-bench-${script.replace(/\W/g, "-")}-${process.pid}.md`;
  fs.rmSync(outFile, { force: true });
  log(`${name}: ${script}`);
  try {
    execFileSync(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, BENCH_OUT: outFile, BENCH_DATABASE_URL: pgUrl },
      stdio: ["ignore", "inherit", "inherit"],
      timeout,
    });
    return fs.readFileSync(outFile, "utf8");
  } catch (err) {
    log(`${name} FAILED: ${(err as Error).message}`);
    return `${name} benchmark failed: ${(err as Error).message}\n`;
  } finally {
    fs.rmSync(outFile, { force: true });
  }
}

function reportThread(r: ThreadResult): number {
  const md = threadMarkdown(r);
  log("\n" + md);
  if (env.BENCH_OUT) fs.writeFileSync(env.BENCH_OUT, md);
  return 0;
}

main()
  .then(async (code) => {
    clearTimeout(watchdog);
    await cleanup();
    process.exitCode = code;
    // Anything still holding the loop (a stray timer in a library) must not keep the bench alive.
    setTimeout(() => process.exit(code), 2_000).unref();
  })
  .catch(async (err) => {
    console.error(err);
    clearTimeout(watchdog);
    await cleanup();
    process.exit(1);
  });

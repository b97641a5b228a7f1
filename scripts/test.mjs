// `npm test`: typecheck, unit/DB tests (vitest), browser tests (Playwright).
// Every stage runs even when an earlier one fails; the last line printed is
// the plain summary CI reads: `N passed, N failed[, N skipped]`.
// Works on PGlite by default, or against PostgreSQL when TEST_DATABASE_URL is set.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = process.cwd();
const reports = path.join(root, "test-results");
fs.mkdirSync(reports, { recursive: true });
const bin = (name) => path.join(root, "node_modules", ".bin", name);

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
    child.on("error", (err) => {
      console.error(`could not run ${cmd}: ${err.message}`);
      resolve(1);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

function banner(text) {
  console.log(`\n=== ${text} ${"=".repeat(Math.max(0, 70 - text.length))}`);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const stages = [];

// 1. Typecheck: a failure counts as one failed test.
banner("typecheck (tsc --noEmit)");
{
  const code = await run(bin("tsc"), ["--noEmit"]);
  if (code !== 0) totals.failed += 1;
  stages.push(`typecheck: ${code === 0 ? "ok" : "FAILED"}`);
}

// 2. Unit and DB tests.
banner(`vitest (${process.env.TEST_DATABASE_URL ? "PostgreSQL" : "PGlite"})`);
{
  const out = path.join(reports, "vitest.json");
  fs.rmSync(out, { force: true });
  const code = await run(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`]);
  const r = readJson(out);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (r) {
    passed = r.numPassedTests ?? 0;
    failed = r.numFailedTests ?? 0;
    skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // A file that failed to load or whose hooks threw has no failed test of its own: count it once.
    for (const f of r.testResults ?? []) {
      const failedInFile = (f.assertionResults ?? []).filter((a) => a.status === "failed").length;
      if (f.status === "failed" && failedInFile === 0) failed += 1;
    }
  }
  if (code !== 0 && failed === 0) failed = 1; // crashed, or no report
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  stages.push(`vitest: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
}

// 3. Browser tests against the real server.
banner(`playwright (${process.env.TEST_DATABASE_URL ? "PostgreSQL" : "PGlite"})`);
{
  const out = path.join(reports, "playwright.json");
  fs.rmSync(out, { force: true });
  const code = await run(bin("playwright"), ["test", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  const r = readJson(out);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (r?.stats) {
    passed = (r.stats.expected ?? 0) + (r.stats.flaky ?? 0);
    failed = r.stats.unexpected ?? 0;
    skipped = r.stats.skipped ?? 0;
    // Global setup/teardown errors (server didn't start, didn't exit 0 on SIGTERM, …).
    failed += (r.errors ?? []).length;
  }
  if (code !== 0 && failed === 0) failed = 1;
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  stages.push(`playwright: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
}

banner("summary");
for (const s of stages) console.log(`  ${s}`);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}`);
process.exit(totals.failed > 0 ? 1 : 0);

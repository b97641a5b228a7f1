/**
 * Lighthouse 12 (mobile, default simulated throttling) against the visitor
 * landing page `/p/default`, served by the real server (`node
 * scripts/start.mjs`, production build) on a free port with a data dir of its
 * own. Median of BENCH_LIGHTHOUSE_RUNS (3) runs: scores move a few points
 * between runs on a busy 2-core machine (STACK-NOTES).
 *
 * Run alone with `npm run bench:lighthouse`, or as part of `npm run bench`
 * (BENCH_LIGHTHOUSE=0 skips it). Knobs: CHROME_PATH (/usr/bin/chromium),
 * BENCH_LIGHTHOUSE_RUNS=3, BENCH_LIGHTHOUSE_PATH=/p/default,
 * BENCH_LIGHTHOUSE_URL=http://… (measure a server that is already running),
 * BENCH_LIGHTHOUSE_KEEP=1 (keep the JSON reports in the temp dir).
 * Without Chromium it prints why and skips; it is never part of `npm test`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// The flags STACK-NOTES found necessary for Debian's Chromium on this closed network.
const CHROME_FLAGS =
  "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync";
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"] as const;

export type LighthouseRun = {
  scores: Record<(typeof CATEGORIES)[number], number>;
  lcpMs: number;
  fcpMs: number;
  tbtMs: number;
  cls: number;
  speedIndexMs: number;
  transferKiB: number;
  unusedJsKiB: number;
  requests: number;
  /** Audits scoring below 1 in accessibility, best practices and SEO (what costs the points). */
  failing: string[];
};

export type LighthouseResult =
  | { skipped: string }
  | { url: string; runs: LighthouseRun[]; median: LighthouseRun; resourceKiB: Record<string, number> };

type Audit = { id: string; title: string; score: number | null; scoreDisplayMode: string; numericValue?: number; details?: Record<string, unknown> };
type Lhr = {
  categories: Record<string, { score: number | null; auditRefs: { id: string; weight: number }[] }>;
  audits: Record<string, Audit>;
  runtimeError?: { code: string; message: string };
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const kib = (bytes: number) => bytes / 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

type Server = { baseURL: string; stop: () => Promise<void> };

/** `node scripts/start.mjs` as `npm start` runs it (building first if the sources are newer than `.next`). */
async function startServer(log: (s: string) => void): Promise<Server> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "occ-lighthouse-"));
  const logFile = path.join(tmp, "server.log");
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: path.join(tmp, "data"),
    DATABASE_URL: "",
    REDIS_URL: "",
    SESSION_SECRET: randomBytes(32).toString("base64url"),
    ADMIN_PASSWORD: randomBytes(12).toString("base64url"),
    LOG_LEVEL: "warn",
  };
  delete env.APP_URL;
  delete env.TRUST_PROXY;
  const out = fs.openSync(logFile, "a");
  const child: ChildProcess = spawn(process.execPath, [path.join(root, "scripts", "start.mjs")], {
    cwd: root,
    env,
    stdio: ["ignore", out, out],
    detached: true,
  });
  fs.closeSync(out);
  let exited: number | null | undefined;
  const gone = new Promise<void>((r) =>
    child.once("exit", (code) => {
      exited = code;
      r();
    }),
  );
  const baseURL = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited === undefined) {
      child.kill("SIGTERM");
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, 30_000);
      await gone;
      clearTimeout(t);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  log(`lighthouse: starting the production server on ${baseURL} (builds first if sources changed; log ${logFile})`);
  // A cold build on 2 cores takes minutes; a warm start about a second.
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    if (exited !== undefined) {
      const tail = fs.readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n");
      await stop();
      throw new Error(`the server exited (code ${exited}) before it became healthy\n${tail}`);
    }
    try {
      const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error("the server did not become healthy within 15 minutes");
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { baseURL, stop };
}

function runCli(url: string, outFile: string): Promise<void> {
  const cli = path.join(root, "node_modules", "lighthouse", "cli", "index.js");
  const args = [
    cli,
    url,
    `--chrome-flags=${CHROME_FLAGS}`,
    "--output=json",
    `--output-path=${outFile}`,
    `--only-categories=${CATEGORIES.join(",")}`,
    "--quiet",
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0 && fs.existsSync(outFile)) resolve();
      else reject(new Error(`lighthouse exited with ${code}\n${err}`));
    });
  });
}

function summarise(lhr: Lhr): LighthouseRun {
  if (lhr.runtimeError) throw new Error(`lighthouse: ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
  const a = lhr.audits;
  const num = (id: string) => a[id]?.numericValue ?? NaN;
  const failing: string[] = [];
  for (const cat of ["accessibility", "best-practices", "seo"]) {
    for (const ref of lhr.categories[cat]?.auditRefs ?? []) {
      const audit = a[ref.id];
      if (audit && ref.weight > 0 && audit.score !== null && audit.score < 1 && audit.scoreDisplayMode !== "informative") {
        failing.push(`${cat}: ${audit.id}`);
      }
    }
  }
  const unused = a["unused-javascript"]?.details as { overallSavingsBytes?: number } | undefined;
  const requests = (a["network-requests"]?.details as { items?: unknown[] } | undefined)?.items?.length ?? 0;
  return {
    scores: Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)])) as LighthouseRun["scores"],
    lcpMs: num("largest-contentful-paint"),
    fcpMs: num("first-contentful-paint"),
    tbtMs: num("total-blocking-time"),
    cls: num("cumulative-layout-shift"),
    speedIndexMs: num("speed-index"),
    transferKiB: kib(num("total-byte-weight")),
    unusedJsKiB: kib(unused?.overallSavingsBytes ?? 0),
    requests,
    failing,
  };
}

/** Transfer size by resource type (document, script, stylesheet, …) of one run. */
function byResourceType(lhr: Lhr): Record<string, number> {
  const items = ((lhr.audits["network-requests"]?.details as { items?: { resourceType?: string; transferSize?: number }[] })?.items ?? []);
  const out: Record<string, number> = {};
  for (const it of items) out[it.resourceType ?? "Other"] = (out[it.resourceType ?? "Other"] ?? 0) + kib(it.transferSize ?? 0);
  return out;
}

export async function runLighthouse(log: (s: string) => void = console.log): Promise<LighthouseResult> {
  const chrome = process.env.CHROME_PATH || "/usr/bin/chromium";
  if (!fs.existsSync(chrome)) {
    return { skipped: `Chromium not found at ${chrome} (install it with \`apt-get install -y chromium\` or set CHROME_PATH)` };
  }
  if (!fs.existsSync(path.join(root, "node_modules", "lighthouse", "cli", "index.js"))) {
    return { skipped: "lighthouse is not installed (it is a devDependency: run `npm install`)" };
  }
  process.env.CHROME_PATH = chrome;
  const runsWanted = Math.max(1, Number(process.env.BENCH_LIGHTHOUSE_RUNS || 3));
  const pagePath = process.env.BENCH_LIGHTHOUSE_PATH || "/p/default";
  const server = process.env.BENCH_LIGHTHOUSE_URL ? null : await startServer(log);
  const base = process.env.BENCH_LIGHTHOUSE_URL || server!.baseURL;
  const url = new URL(pagePath, base).href;
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "occ-lighthouse-reports-"));
  try {
    // Warm the server's module and query caches: a cold first request is not what an ad click meets.
    for (let i = 0; i < 3; i++) await (await fetch(url)).arrayBuffer();
    const runs: LighthouseRun[] = [];
    let last: Lhr | undefined;
    for (let i = 1; i <= runsWanted; i++) {
      const file = path.join(outDir, `run-${i}.json`);
      await runCli(url, file);
      last = JSON.parse(fs.readFileSync(file, "utf8")) as Lhr;
      const r = summarise(last);
      runs.push(r);
      log(
        `lighthouse run ${i}/${runsWanted}: perf ${r.scores.performance}, a11y ${r.scores.accessibility}, best practices ${r.scores["best-practices"]}, SEO ${r.scores.seo}; ` +
          `LCP ${Math.round(r.lcpMs)} ms, TBT ${Math.round(r.tbtMs)} ms, ${r.transferKiB.toFixed(1)} KiB, unused JS ${r.unusedJsKiB.toFixed(1)} KiB` +
          (r.failing.length ? `; failing: ${r.failing.join(", ")}` : ""),
      );
    }
    const pick = (f: (r: LighthouseRun) => number) => median(runs.map(f));
    const med: LighthouseRun = {
      scores: Object.fromEntries(CATEGORIES.map((c) => [c, pick((r) => r.scores[c])])) as LighthouseRun["scores"],
      lcpMs: pick((r) => r.lcpMs),
      fcpMs: pick((r) => r.fcpMs),
      tbtMs: pick((r) => r.tbtMs),
      cls: pick((r) => r.cls),
      speedIndexMs: pick((r) => r.speedIndexMs),
      transferKiB: pick((r) => r.transferKiB),
      unusedJsKiB: pick((r) => r.unusedJsKiB),
      requests: pick((r) => r.requests),
      failing: [...new Set(runs.flatMap((r) => r.failing))],
    };
    if (process.env.BENCH_LIGHTHOUSE_KEEP === "1") log(`lighthouse: reports kept in ${outDir}`);
    return { url: pagePath, runs, median: med, resourceKiB: last ? byResourceType(last) : {} };
  } finally {
    if (process.env.BENCH_LIGHTHOUSE_KEEP !== "1") fs.rmSync(outDir, { recursive: true, force: true });
    await server?.stop();
  }
}

/** The RESULTS.md table: one row per run plus the median. */
export function lighthouseMarkdown(r: LighthouseResult): string {
  if ("skipped" in r) return `#### Lighthouse\n\nskipped: ${r.skipped}\n`;
  const row = (label: string, x: LighthouseRun) =>
    `| ${label} | ${x.scores.performance} | ${x.scores.accessibility} | ${x.scores["best-practices"]} | ${x.scores.seo} | ` +
    `${(x.lcpMs / 1000).toFixed(2)} s | ${(x.fcpMs / 1000).toFixed(2)} s | ${Math.round(x.tbtMs)} ms | ${x.cls.toFixed(3)} | ` +
    `${x.transferKiB.toFixed(1)} | ${x.unusedJsKiB.toFixed(1)} | ${x.requests} |`;
  const types = Object.entries(r.resourceKiB)
    .sort((a, b) => b[1] - a[1])
    .map(([t, v]) => `${t} ${v.toFixed(1)}`)
    .join(", ");
  return [
    `#### Lighthouse 12.2.3, mobile (simulated throttling), \`${r.url}\``,
    "",
    "| run | perf | a11y | best pr. | SEO | LCP | FCP | TBT | CLS | transferred KiB | unused JS KiB | requests |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...r.runs.map((x, i) => row(String(i + 1), x)),
    row("**median**", r.median),
    "",
    `Transferred by type (last run, KiB): ${types}.` + (r.median.failing.length ? ` Failing audits: ${r.median.failing.join(", ")}.` : " No failing audits."),
    "",
  ].join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runLighthouse()
    .then((r) => {
      if ("skipped" in r) console.log(`lighthouse: skipped — ${r.skipped}`);
      console.log("\n" + lighthouseMarkdown(r));
      if (process.env.BENCH_OUT) fs.writeFileSync(process.env.BENCH_OUT, lighthouseMarkdown(r));
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}

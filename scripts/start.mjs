// `npm start`: build when the sources are newer than the last build, then run
// server.ts (TypeScript through tsx) in this same process.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = process.cwd();
const stampFile = path.join(root, ".next", "BUILD_ID");
const WATCH = ["app", "components", "lib", "db", "widget", "public", "next.config.ts", "postcss.config.mjs", "package.json", "package-lock.json"];

function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  if (p.endsWith(path.join("public", "widget"))) return 0; // build output
  let max = 0;
  for (const e of fs.readdirSync(p)) max = Math.max(max, newestMtime(path.join(p, e)));
  return max;
}

function needsBuild() {
  if (process.env.SKIP_BUILD === "1") return false;
  if (!fs.existsSync(stampFile)) return true;
  const built = fs.statSync(stampFile).mtimeMs;
  return WATCH.some((w) => newestMtime(path.join(root, w)) > built);
}

// Several processes (test workers, a developer's second terminal) may start at
// once: serialise builds with a lock directory so they never write .next together.
const lockDir = path.join(root, ".next-build.lock");
async function withBuildLock(fn) {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch {
      // A lock older than 10 minutes belongs to a crashed build.
      try {
        if (Date.now() - fs.statSync(lockDir).mtimeMs > 10 * 60_000) fs.rmSync(lockDir, { recursive: true, force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error("timed out waiting for another build");
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

await withBuildLock(() => buildIfNeeded());

function buildIfNeeded() {
if (needsBuild()) {
  console.log("Building OnlineChatCRM (first start or sources changed)…");
  const r = spawnSync(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"], {
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
{
  const r = spawnSync(process.execPath, [path.join(root, "scripts", "build-widget.mjs")], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
}

process.env.NEXT_TELEMETRY_DISABLED = "1";
const { register } = await import("tsx/esm/api");
register();
await import(path.join(root, "server.ts"));

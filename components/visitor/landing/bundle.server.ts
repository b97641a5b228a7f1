import { createHash } from "node:crypto";
import path from "node:path";
import type { BuildOptions, OutputFile } from "esbuild";

/**
 * The landing page's browser script, bundled with esbuild (already the
 * project's bundler for framework-free browser code) into memory, once per
 * process: landing.ts, and rules.ts (the contact rules) that it imports on
 * the visitor's first interaction. Next can't
 * emit a script for a page that doesn't ship its own runtime, and the server
 * always runs from the source tree (server.ts goes through tsx), so the
 * sources are there to bundle. Served by app/visitor-assets/[file].
 */
export const LANDING_ASSET_PREFIX = "/visitor-assets/";

export type LandingAsset = { body: Buffer; etag: string };
export type LandingBundle = { entryUrl: string; assets: Map<string, LandingAsset> };

const KEY = Symbol.for("occ.visitor-landing-bundle");
type Holder = { [KEY]?: Promise<LandingBundle> };

/** The bundle (built on first use; in development rebuilt on every call so edits show up). */
export function landingBundle(): Promise<LandingBundle> {
  const g = globalThis as Holder;
  if (process.env.NODE_ENV !== "production") return build();
  g[KEY] ??= build().catch((err) => {
    delete g[KEY]; // a failed build must not stick for the life of the process
    throw err;
  });
  return g[KEY];
}

async function build(): Promise<LandingBundle> {
  // Loaded lazily: esbuild spawns its native binary, which only this path needs.
  const esbuild = await import("esbuild");
  const root = process.cwd();
  const here = path.join(root, "components", "visitor", "landing");
  const common = {
    absWorkingDir: root,
    tsconfig: path.join(root, "tsconfig.json"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2020"],
    minify: true,
    legalComments: "none",
    write: false,
    outdir: path.join(root, ".landing-out"),
    entryNames: "[name]-[hash]",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  } satisfies BuildOptions;
  // Two builds rather than code splitting: splitting adds a shared helper chunk, one more round trip before the script runs.
  const rules = await esbuild.build({ ...common, entryPoints: { rules: path.join(here, "rules.ts") } });
  const rulesFile = one(rules.outputFiles);
  const landing = await esbuild.build({
    ...common,
    entryPoints: { landing: path.join(here, "landing.ts") },
    define: { ...common.define, __RULES_URL__: JSON.stringify(LANDING_ASSET_PREFIX + path.basename(rulesFile.path)) },
  });
  const landingFile = one(landing.outputFiles);
  const assets = new Map<string, LandingAsset>();
  for (const file of [rulesFile, landingFile]) {
    const body = Buffer.from(file.contents);
    assets.set(path.basename(file.path), { body, etag: `"${createHash("sha1").update(body).digest("base64url")}"` });
  }
  const entryUrl = LANDING_ASSET_PREFIX + path.basename(landingFile.path);
  return { entryUrl, assets };
}

function one(files: OutputFile[] | undefined): OutputFile {
  const js = (files ?? []).filter((f) => f.path.endsWith(".js"));
  if (js.length !== 1) throw new Error(`landing bundle: expected one output file, got ${js.length}`);
  return js[0];
}

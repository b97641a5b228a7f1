// Bundles widget/*.ts into public/widget/*.js (vanilla TS, no framework).
import { build } from "esbuild";
import fs from "node:fs";

const entries = ["widget/widget.ts", "widget/lead-form.ts"].filter((f) => fs.existsSync(f));
if (entries.length) {
  await build({
    entryPoints: entries,
    outdir: "public/widget",
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2020"],
    logLevel: "warning",
  });
}

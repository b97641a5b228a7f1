import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

/** lead-form.js goes on customers' pages: built as scripts/build-widget.mjs builds it, it stays small and self-contained. */
describe("lead-form.js", () => {
  it("is at most 3 KB gzipped, with no imports left in the bundle", async () => {
    const out = await build({ entryPoints: ["widget/lead-form.ts"], bundle: true, minify: true, format: "iife", target: ["es2020"], write: false, metafile: true });
    const js = out.outputFiles[0].contents;
    expect(gzipSync(js, { level: 9 }).byteLength).toBeLessThanOrEqual(3 * 1024);
    // Only its own source went in: no dependency.
    expect(Object.keys(out.metafile!.inputs)).toEqual(["widget/lead-form.ts"]);
  });
});

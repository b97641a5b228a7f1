import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layering rule of the map: imports between lib/ folders run one way
 * (transport → effects → domain → auth/db), never in a circle. A file
 * directly in lib/ counts as a folder of its own. Type-only imports count
 * too: a type cycle is a design cycle waiting to become a runtime one.
 */
const LIB = path.resolve(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "__tests__") out.push(...sourceFiles(p));
    } else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

function nodeOf(file: string): string | null {
  const rel = path.relative(LIB, file);
  if (rel.startsWith("..")) return null;
  const parts = rel.split(path.sep);
  return parts.length === 1 ? parts[0].replace(/\.tsx?$/, "") : parts[0];
}

export function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  const IMPORT_RE = /(?:from\s+|import\s*\(\s*|import\s+)["']([^"']+)["']/g;
  for (const file of sourceFiles(LIB)) {
    const from = nodeOf(file)!;
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1];
      let target: string | null = null;
      if (spec.startsWith(".")) target = nodeOf(path.resolve(path.dirname(file), spec));
      else if (spec.startsWith("@/lib/")) target = nodeOf(path.join(LIB, spec.slice("@/lib/".length)));
      if (!target || target === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      // Remember one file that makes the edge, for the failure message.
      if (!graph.get(from)!.has(target)) graph.get(from)!.set(target, path.relative(LIB, file));
    }
  }
  return graph;
}

function findCycle(graph: Map<string, Map<string, string>>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, "open");
    stack.push(n);
    for (const next of graph.get(n)?.keys() ?? []) {
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const c = visit(next);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, "done");
    return null;
  };
  for (const n of graph.keys()) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return null;
}

describe("lib/ import graph", () => {
  it("has no circle between folders", () => {
    const graph = folderGraph();
    const cycle = findCycle(graph);
    const explain = cycle ? cycle.slice(0, -1).map((n, i) => `${n} → ${cycle[i + 1]} (${graph.get(n)!.get(cycle[i + 1])})`) : [];
    expect(explain).toEqual([]);
  });

  it("finds a circle when there is one (the checker itself works)", () => {
    const g = new Map([
      ["a", new Map([["b", "a/x.ts"]])],
      ["b", new Map([["c", "b/y.ts"]])],
      ["c", new Map([["a", "c/z.ts"]])],
    ]);
    expect(findCycle(g)).toEqual(["a", "b", "c", "a"]);
    expect(findCycle(new Map([["a", new Map([["b", "a/x.ts"]])]]))).toBeNull();
  });

  it("keeps domain folders away from the hub", () => {
    const graph = folderGraph();
    const domain = ["chat", "routing", "inbox", "crm", "ai", "reports", "marketing", "security", "auth", "projects"];
    const offenders = domain.flatMap((d) => (graph.get(d)?.has("realtime") || graph.get(d)?.has("effects") ? [`${d} (${graph.get(d)!.get("realtime") ?? graph.get(d)!.get("effects")})`] : []));
    expect(offenders).toEqual([]);
  });
});

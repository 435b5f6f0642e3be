/**
 * The import graph of `src/` has no cycle: every relative import, `import type` and
 * `export … from` included, points down a layering.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** Every `.ts` file under `dir`, as absolute paths. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** Module specifiers of `import`/`export … from`, side-effect imports and `import("…")` types. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*|\bimport\s*\(\s*)["']([^"']+)["']/g;

/** The relative imports of `text` (comments stripped), resolved against `file`. */
export function importsOf(file: string, text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (const m of code.matchAll(SPECIFIER)) {
    const spec = m[1] as string;
    if (!spec.startsWith(".")) continue;
    out.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
  }
  return out;
}

/** Strongly connected components with more than one module, or a module importing itself. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe("src import graph", () => {
  it("finds the imports of every kind, and a cycle in a toy graph", () => {
    const f = "/x/a.ts";
    const text = [
      'import { A } from "./b.js";',
      'import type { T } from "../c/d.js";',
      'export { E } from "./e.js";',
      'export * from "./f.js";',
      "type L = import('./g.js').G;",
      'import { z } from "@panmmu/uapi";',
      '// import { no } from "./commented.js";',
    ].join("\n");
    expect(importsOf(f, text)).toEqual(["/x/b.ts", "/c/d.ts", "/x/e.ts", "/x/f.ts", "/x/g.ts"]);
    const g = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(cycles(g)).toEqual([["a", "b", "c"]]);
  });

  it("has no cycle", () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(40);
    const graph = new Map<string, string[]>();
    for (const f of files) graph.set(f, importsOf(f, readFileSync(f, "utf8")));
    const found = cycles(graph).map((scc) => scc.map((p) => relative(SRC, p)));
    expect(found).toEqual([]);
  });
});

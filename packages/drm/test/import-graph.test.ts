/**
 * The import graph of `src/` has no cycle: every relative import, `import type` and
 * `export … from` included, points down a layering.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cycles, importCycles, importsOf, sourceFiles } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

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
    expect(sourceFiles(SRC).length).toBeGreaterThan(40);
    expect(importCycles(SRC)).toEqual([]);
  });
});

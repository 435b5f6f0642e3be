/** The import graph of `src/` has no cycle (type-only imports and re-exports included). */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { importCycles, sourceFiles } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

describe("src import graph", () => {
  it("has no cycle", () => {
    expect(sourceFiles(SRC).length).toBeGreaterThan(2);
    expect(importCycles(SRC)).toEqual([]);
  });
});

/**
 * WARN counts of the golden vectors. The golden schema records how many kernel WARN_ON /
 * WARN_ONCE conditions fired during allocation, each op and the teardown; they are information,
 * not API results, so the conformance suite does not compare them. Matching them anyway shows
 * that every op took the kernel's path (a refused unmap that warned for the same reason, a hole
 * met at the same entry), which results alone do not always reveal.
 */
import { loadGoldenCases, packagedGoldenRoot } from "@panmmu/fixtures";

// WARN counts are information only in the golden schema, so this check of our WARN paths runs
// on the packaged vectors only, never on another PANMMU_GOLDEN_ROOT.
import { describe, expect, it } from "vitest";
import { asIopgtableCase, replay } from "./support/golden-runner.js";

describe("golden WARN counts", () => {
  it("match the kernel's for allocation, every op and the teardown of every case", () => {
    const mismatches: string[] = [];
    let compared = 0;
    for (const gc of loadGoldenCases("iopgtable", packagedGoldenRoot())) {
      const c = asIopgtableCase(gc.data);
      const r = replay(c);
      if (r.ops === null) continue;
      const ops = r.ops;
      if (ops.warnCount !== c.warn) mismatches.push(`${gc.title}: alloc ${ops.warnCount}`);
      c.ops.forEach((op, i) => {
        const got = r.run(op).warn;
        compared++;
        if (got !== op.warn) mismatches.push(`${gc.title}: op ${i} warned ${String(got)}`);
      });
      const before = ops.warnCount;
      ops.free();
      const freeWarn = ops.warnCount - before;
      if (c.freeWarn !== undefined && freeWarn !== c.freeWarn) {
        mismatches.push(`${gc.title}: free warned ${freeWarn}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(0);
  });
});

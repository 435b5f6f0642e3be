/**
 * drm_mm conformance: every golden case of `$PANMMU_GOLDEN_ROOT/drm_mm` (one file, one case)
 * is replayed op by op; each op's return code and node placement, every recorded hole list and
 * the final nodes, hole lists and red-black tree shapes must equal the kernel's. Cases whose
 * inputs fit safe integers are replayed a second time on the number fast path.
 */
import { loadGoldenCases } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import {
  asGoldenMmCase,
  fitsNumberPath,
  type GoldenMmCase,
  type Replay,
  replayBigint,
  replayNumber,
} from "../mm/golden-replay.js";

function check(c: GoldenMmCase, got: Replay, flavour: string): void {
  c.ops.forEach((op, i) => {
    const rec = got.ops[i];
    const where = `${flavour} op #${i} ${op.op} id ${String(op.id)}`;
    expect(rec?.result, `${where}: result`).toEqual(op.result);
    if (op.state !== undefined) expect(rec?.state, `${where}: state`).toEqual(op.state);
  });
  for (const key of Object.keys(c.final)) {
    expect(got.final[key], `${flavour} final.${key}`).toEqual(c.final[key]);
  }
  expect(got.warnings, `${flavour} warnings`).toEqual([]);
}

describe("drm_mm golden vectors", () => {
  for (const gc of loadGoldenCases("drm_mm")) {
    it(gc.title, () => {
      const c = asGoldenMmCase(gc.data);
      check(c, replayBigint(c), "bigint");
      if (fitsNumberPath(c)) check(c, replayNumber(c), "number");
    });
  }
});

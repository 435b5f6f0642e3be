/**
 * The GEM list with labels (debugfs `gems`): user BOs with their creator and label, kernel BOs
 * with their usage flags (firmware sections and group objects in the MCU VM are kernel +
 * fw-mapped, rings and sync objects in the group's VM are kernel only), and the totals.
 */
import { describe, expect, it } from "vitest";
import { dumpGems, formatGemsDump } from "../../src/debug/gems-dump.js";
import {
  PANTHOR_GEM_USAGE_FLAG_FW_MAPPED,
  PANTHOR_GEM_USAGE_FLAG_KERNEL,
} from "../../src/gem/kernel-bo.js";
import { rig } from "../helpers/submit-rig.js";

const KERNEL = PANTHOR_GEM_USAGE_FLAG_KERNEL;
const FW = PANTHOR_GEM_USAGE_FLAG_FW_MAPPED;

describe("GEM list", () => {
  it("lists every live BO with creator, size, residency, usage and label; totals add up", () => {
    const t = rig();
    const bo = t.c.boCreate(0x3000n).handle;
    expect(t.c.boSetLabel(bo, "scratch")).toBe(0);
    t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const d = dumpGems(t.dev.drm);
    const user = d.rows.find((r) => r.label === "scratch");
    expect(user).toMatchObject({
      creator: `fw-client/${t.c.handle.file.clientId}`,
      size: 0x3000,
      residentSize: 0,
      usage: 0,
      state: 0,
      globalName: 0,
    });
    const byLabel = (l: string) =>
      d.rows.filter((r) => r.label === l).map((r) => [r.creator, r.usage]);
    expect(byLabel("FW section")).toEqual([
      ["kernel", KERNEL | FW],
      ["kernel", KERNEL | FW],
    ]);
    expect(byLabel("FW suspend buffer")).toEqual([
      ["kernel", KERNEL | FW],
      ["kernel", KERNEL | FW],
    ]);
    expect(byLabel("CS ring buffer")).toEqual([["kernel", KERNEL]]);
    expect(d.totalSize).toBe(d.rows.reduce((a, r) => a + r.size, 0));
    expect(d.totalResident).toBe(d.rows.reduce((a, r) => a + r.residentSize, 0));
    expect(d.totalResident).toBeGreaterThan(0);
    expect(d.rows.map((r) => r.id)).toEqual([...d.rows.map((r) => r.id)].sort((a, b) => a - b));
    // mmap gives the BO an offset; the list shows it.
    const off = t.c.boMmapOffset(bo).offset;
    const after = dumpGems(t.dev.drm).rows.find((r) => r.label === "scratch");
    expect(after?.fileOffset).toBe(Number(off));
    const text = formatGemsDump(dumpGems(t.dev.drm)).split("\n");
    expect(text[0]).toBe("GEM state flags: imported (0x1), exported (0x2)");
    expect(text.find((l) => l.endsWith("scratch"))).toMatch(
      new RegExp(`^fw-client/${t.c.handle.file.clientId}\\s+0\\s+\\d+\\s+12288\\s+0\\s+0x`),
    );
    expect(text.at(-1)).toBe(
      `Total size: ${d.totalSize + 0}, Total resident: ${dumpGems(t.dev.drm).totalResident}, Total reclaimable: 0`,
    );
    expect(t.warnings.warnings).toEqual([]);
  });
});

/**
 * Heap BOs grow on GPU fault, 2 MiB per fault.
 */
import { ProgramBuilder } from "@panmmu/hw";
import { PANFROST_BO_HEAP, PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { FORMAT_PRESETS, makeStack } from "../helpers/stack.js";

const MIB = 1 << 20;
const MS = 1_000_000;

describe.each(FORMAT_PRESETS)("heap growth on $label", ({ preset, probe }) => {
  it("64 MiB written progressively into a 256 MiB heap: exactly 32 x 2 MiB chunks resident", () => {
    const s = makeStack(preset, probe);
    const c = s.open("heap");
    const heap = c.createBo(256 * MIB, PANFROST_BO_HEAP | PANFROST_BO_NOEXEC);
    expect(heap.ret).toBe(0);
    const out = c.createBo(4096, PANFROST_BO_NOEXEC);
    const bo = [...s.dev.bos].find((b) => b.isHeap);
    // Eight jobs, each writing the next 8 MiB (one word per 64 KiB), then checking it.
    for (let step = 0; step < 8; step++) {
      const base = heap.offset + step * 8 * MIB;
      const prog = new ProgramBuilder();
      for (let off = 0; off < 8 * MIB; off += 64 * 1024)
        prog.write32(base + off, (base + off) >>> 0);
      for (let off = 0; off < 8 * MIB; off += 64 * 1024)
        prog.check32(base + off, (base + off) >>> 0);
      prog.write32(out.offset + step * 4, step + 1).end();
      const sub = submitProgram(c, prog.buildBytes(), [heap.handle, out.handle]);
      expect(sub.ret).toBe(0);
      expect(waitSubmission(c, sub, 200 * MS)).toBe(true);
      expect(c.fenceError(sub.outSync)).toBe(0);
      expect(bo?.heapRssSize).toBe((step + 1) * 8 * MIB);
    }
    expect(bo?.heapRssSize).toBe(64 * MIB);
    expect(bo?.residentPages).toBe((64 * MIB) / 4096);
    expect(s.dev.mmu.faultCounters.heapGrowths).toBe(32);
    expect(s.dev.mmu.faultLog.records).toEqual([]);
    const view = c.map(out.handle);
    if (typeof view === "number") throw new Error("map");
    for (let i = 0; i < 8; i++) expect(view.readU32(i * 4)).toBe(i + 1);
    view.munmap();
    c.close();
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("a half-filled growth attempt (out of memory) is completed by the next fault", () => {
    const s = makeStack(preset, probe);
    const c = s.open("heap");
    const heap = c.createBo(4 * MIB, PANFROST_BO_HEAP | PANFROST_BO_NOEXEC);
    const bo = [...s.dev.bos].find((b) => b.isHeap);
    const prog = new ProgramBuilder()
      .write32(heap.offset + 4096, 5)
      .end()
      .buildBytes();
    const first = submitProgram(c, prog, [heap.handle]);
    // The fault comes later: make the 2 MiB contiguous attempt fail, then single pages fail
    // at random (seeded), so the chunk is left half-filled.
    s.sim.memory.failNthAllocation(1);
    s.sim.memory.setFailureProbability(0.02);
    expect(waitSubmission(c, first, 200 * MS)).toBe(true);
    s.sim.memory.setFailureProbability(0);
    expect(c.fenceError(first.outSync)).not.toBe(0);
    const partial = bo?.residentPages ?? 0;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(512);
    expect(bo?.heapRssSize).toBe(0);
    const rec = s.dev.mmu.faultLog.records.at(-1);
    expect(rec?.reason).toBe("out of memory growing heap");
    expect(rec?.target.kind).toBe("bo");
    // The next job's fault completes the chunk: only the missing pages are allocated.
    const second = submitProgram(
      c,
      new ProgramBuilder()
        .write32(heap.offset + 8192, 6)
        .check32(heap.offset + 8192, 6)
        .end()
        .buildBytes(),
      [heap.handle],
    );
    expect(waitSubmission(c, second, 200 * MS)).toBe(true);
    expect(c.fenceError(second.outSync)).toBe(0);
    expect(bo?.residentPages).toBe(512);
    expect(bo?.heapRssSize).toBe(2 * MIB);
    c.close();
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
  });
});

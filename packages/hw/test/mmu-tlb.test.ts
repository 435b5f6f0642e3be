import { describe, expect, it } from "vitest";
import {
  AS_COMMAND_FLUSH_MEM,
  AS_COMMAND_FLUSH_PT,
  AS_COMMAND_UNLOCK,
  AS_FAULTSTATUS,
  asReg,
  createPlatform,
  EXCEPTION_ADDR_SIZE_FAULT_IN,
  GpuAccessKind,
  MMU_INT_CLEAR,
} from "../src/index.js";
import {
  HandTables,
  lockedOp,
  MALI_BLOCK_RW,
  MALI_PAGE_RW,
  programMali,
  waitReady,
} from "./helpers/hand-tables.js";

const VA = 0x1000_0000;

function setup() {
  const sim = createPlatform("t860");
  const { mmio } = sim.platform;
  const t = new HandTables(sim.memory);
  const pa1 = sim.memory.allocPage() as number;
  const pa2 = sim.memory.allocPage() as number;
  t.map(VA, pa1, 3, MALI_PAGE_RW);
  programMali(mmio, 2, t.root);
  waitReady(mmio, sim.loop, 2);
  return { sim, mmio, t, pa1, pa2, mmu: sim.gpu.mmu };
}

describe("TLB", () => {
  it("serves a stale translation until the region is flushed", () => {
    const { sim, mmio, t, pa1, pa2, mmu } = setup();
    expect(mmu.translate(2, VA + 0x10, GpuAccessKind.Read, 0)).toBe(pa1 + 0x10);
    t.map(VA, pa2, 3, MALI_PAGE_RW);
    expect(mmu.translate(2, VA + 0x10, GpuAccessKind.Read, 0)).toBe(pa1 + 0x10);
    expect(mmu.slot(2).counters.tlbHits).toBe(1);
    // A flush of another region leaves the entry alone.
    lockedOp(mmio, sim.loop, 2, VA + 0x100_0000, 0x1000, AS_COMMAND_FLUSH_PT);
    expect(mmu.translate(2, VA + 0x10, GpuAccessKind.Read, 0)).toBe(pa1 + 0x10);
    lockedOp(mmio, sim.loop, 2, VA, 0x1000, AS_COMMAND_FLUSH_PT);
    expect(mmu.translate(2, VA + 0x10, GpuAccessKind.Read, 0)).toBe(pa2 + 0x10);
    expect(mmu.slot(2).counters.cacheFlushes).toBe(2);
  });

  it("an empty or invalidated entry never hits, even for an address just below 0", () => {
    const { sim, mmio, t, pa2, mmu } = setup();
    const status = () => mmio.read32(asReg(2, AS_FAULTSTATUS));
    // Below 0 the page number is -1, which indexes the last TLB entry.
    expect(mmu.translate(2, -0x1000 + 0x10, GpuAccessKind.Read, 0)).toBe(-1);
    expect(status() & 0xff).toBe(EXCEPTION_ADDR_SIZE_FAULT_IN);
    mmio.write32(MMU_INT_CLEAR, 0xffff_ffff);
    const last = VA + 511 * 0x1000; // the same TLB entry as page -1
    t.map(last, pa2, 3, MALI_PAGE_RW);
    expect(mmu.translate(2, last, GpuAccessKind.Read, 0)).toBe(pa2);
    lockedOp(mmio, sim.loop, 2, last, 0x1000, AS_COMMAND_FLUSH_PT);
    expect(mmu.slot(2).tlb.valid).toBe(0);
    expect(mmu.translate(2, -0x1000 + 0x10, GpuAccessKind.Read, 0)).toBe(-1);
    expect(status() & 0xff).toBe(EXCEPTION_ADDR_SIZE_FAULT_IN);
    expect(mmu.slot(2).counters.tlbHits).toBe(0);
  });

  it("keeps serving an unmapped page until flushed (stale translation after unmap)", () => {
    const { sim, mmio, t, pa1, mmu } = setup();
    expect(mmu.translate(2, VA, GpuAccessKind.Write, 0)).toBe(pa1);
    t.clear(VA, 3);
    expect(mmu.translate(2, VA, GpuAccessKind.Write, 0)).toBe(pa1);
    lockedOp(mmio, sim.loop, 2, VA, 0x1000, AS_COMMAND_FLUSH_MEM);
    expect(mmu.translate(2, VA, GpuAccessKind.Write, 0)).toBe(-1);
  });

  it("a permission change without a flush is not seen: the stale entry still faults", () => {
    const { sim, mmio, t, pa1, mmu } = setup();
    t.map(VA, pa1, 3, MALI_PAGE_RW & ~0x80);
    lockedOp(mmio, sim.loop, 2, VA, 0x1000, AS_COMMAND_FLUSH_PT);
    expect(mmu.translate(2, VA, GpuAccessKind.Read, 0)).toBe(pa1);
    t.map(VA, pa1, 3, MALI_PAGE_RW);
    expect(mmu.translate(2, VA, GpuAccessKind.Write, 0)).toBe(-1);
    expect(mmio.read32(0x2400 + (2 << 6) + 0x1c) & 0xff).toBe(0xcb);
    mmio.write32(0x2004, 1 << 2);
    lockedOp(mmio, sim.loop, 2, VA, 0x1000, AS_COMMAND_FLUSH_PT);
    expect(mmu.translate(2, VA, GpuAccessKind.Write, 0)).toBe(pa1);
  });

  it("UPDATE invalidates the whole AS's TLB; UNLOCK flushes the locked region", () => {
    const { sim, mmio, t, pa1, pa2, mmu } = setup();
    expect(mmu.translate(2, VA, GpuAccessKind.Read, 0)).toBe(pa1);
    t.map(VA, pa2, 3, MALI_PAGE_RW);
    programMali(mmio, 2, t.root);
    expect(mmu.translate(2, VA, GpuAccessKind.Read, 0)).toBe(pa1);
    waitReady(mmio, sim.loop, 2);
    expect(mmu.translate(2, VA, GpuAccessKind.Read, 0)).toBe(pa2);
    t.map(VA, pa1, 3, MALI_PAGE_RW);
    lockedOp(mmio, sim.loop, 2, VA, 0x1000, AS_COMMAND_UNLOCK);
    expect(mmu.translate(2, VA, GpuAccessKind.Read, 0)).toBe(pa1);
  });

  it("TLBs are per AS and count hits and misses", () => {
    const { sim, mmio, t, pa1, mmu } = setup();
    programMali(mmio, 3, t.root);
    waitReady(mmio, sim.loop, 3);
    for (let i = 0; i < 4; i++) mmu.translate(2, VA + i * 8, GpuAccessKind.Read, 0);
    expect(mmu.slot(2).counters.tlbMisses).toBe(1);
    expect(mmu.slot(2).counters.tlbHits).toBe(3);
    expect(mmu.slot(2).counters.walks).toBe(1);
    expect(mmu.slot(2).counters.descriptorReads).toBe(4);
    expect(mmu.translate(3, VA, GpuAccessKind.Read, 0)).toBe(pa1);
    expect(mmu.slot(3).counters.tlbMisses).toBe(1);
  });

  it("translates 2 MiB and 1 GiB blocks, treating output bits below the block size as RES0", () => {
    const sim = createPlatform("g52");
    const { mmio } = sim.platform;
    const t = new HandTables(sim.memory);
    t.map(0x4000_0000, 0x1_0000_0000, 1, MALI_BLOCK_RW);
    t.map(0x20_0000, 0x8060_0000 + 0x5000, 2, MALI_BLOCK_RW);
    programMali(mmio, 0, t.root);
    waitReady(mmio, sim.loop, 0);
    const mmu = sim.gpu.mmu;
    expect(mmu.translate(0, 0x4123_4567, GpuAccessKind.Read, 0)).toBe(0x1_0123_4567);
    expect(mmu.translate(0, 0x21_2345, GpuAccessKind.Read, 0)).toBe(0x8061_2345);
  });
});

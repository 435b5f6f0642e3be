import { describe, expect, it } from "vitest";
import {
  AS_COMMAND,
  AS_COMMAND_FLUSH_MEM,
  AS_COMMAND_LOCK,
  AS_COMMAND_UNLOCK,
  AS_LOCKADDR_HI,
  AS_LOCKADDR_LO,
  AS_STATUS,
  asReg,
  createPlatform,
  GpuAccessKind,
  packLockRegion,
  TRANSLATE_LOCKED,
} from "../src/index.js";
import { A64_PAGE_RW, HandTables, programAarch64, waitReady } from "./helpers/hand-tables.js";

const AS = 1;

function setup() {
  const sim = createPlatform("g610");
  const { mmio } = sim.platform;
  const t = new HandTables(sim.memory);
  const page = sim.memory.allocPage() as number;
  for (let i = 0; i < 32; i++) t.map(0x40_0000 + i * 0x1000, page, 3, A64_PAGE_RW);
  programAarch64(mmio, AS, t.root);
  waitReady(mmio, sim.loop, AS);
  const lock = (start: number, size: number) => {
    const r = packLockRegion(start, size);
    mmio.write32(asReg(AS, AS_LOCKADDR_LO), r.lo);
    mmio.write32(asReg(AS, AS_LOCKADDR_HI), r.hi);
    mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_LOCK);
    waitReady(mmio, sim.loop, AS);
  };
  return { sim, mmio, page, mmu: sim.gpu.mmu, lock };
}

describe("lock region", () => {
  it("accesses inside the locked region wait; outside proceed", () => {
    const { sim, mmio, page, mmu, lock } = setup();
    lock(0x40_8000, 0x1000); // rounds to the 32 KiB block [0x408000, 0x410000)
    expect(mmu.translate(AS, 0x40_8000, GpuAccessKind.Read, 0)).toBe(TRANSLATE_LOCKED);
    expect(mmu.translate(AS, 0x40_ffff, GpuAccessKind.Write, 0)).toBe(TRANSLATE_LOCKED);
    expect(mmu.translate(AS, 0x40_7ff8, GpuAccessKind.Read, 0)).toBe(page + 0xff8);
    expect(mmu.translate(AS, 0x41_0000, GpuAccessKind.Read, 0)).toBe(page);
    const log: string[] = [];
    mmu.waitRetry(
      AS,
      () => log.push(`resume@${sim.loop.now}`),
      () => log.push("abort"),
    );
    sim.loop.advance(50_000);
    expect(log).toEqual([]);
    const t0 = sim.loop.now;
    mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_FLUSH_MEM);
    expect(mmio.read32(asReg(AS, AS_STATUS))).toBe(1);
    sim.loop.runUntilIdle();
    expect(log).toEqual([`resume@${t0 + 1000}`]);
    expect(mmu.translate(AS, 0x40_8000, GpuAccessKind.Read, 0)).toBe(page);
    expect(mmu.slot(AS).counters.lockedAccesses).toBe(2);
  });

  it("a TLB hit inside the locked region also waits", () => {
    const { mmu, lock, page, mmio, sim } = setup();
    expect(mmu.translate(AS, 0x40_1000, GpuAccessKind.Read, 0)).toBe(page);
    lock(0x40_0000, 0x8000);
    expect(mmu.translate(AS, 0x40_1000, GpuAccessKind.Read, 0)).toBe(TRANSLATE_LOCKED);
    mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_UNLOCK);
    waitReady(mmio, sim.loop, AS);
    expect(mmu.translate(AS, 0x40_1000, GpuAccessKind.Read, 0)).toBe(page);
  });

  it("the whole-VA lock (FLUSH_MEM over 0..~0) covers every address", () => {
    const { mmu, lock } = setup();
    lock(0, 2 ** 64 - 1);
    expect(mmu.translate(AS, 0x40_0000, GpuAccessKind.Read, 0)).toBe(TRANSLATE_LOCKED);
    expect(mmu.translate(AS, 2 ** 47, GpuAccessKind.Read, 0)).toBe(TRANSLATE_LOCKED);
  });
});

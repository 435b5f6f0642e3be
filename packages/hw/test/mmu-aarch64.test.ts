import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AS_COMMAND,
  AS_TRANSCFG_ADRMODE_IDENTITY,
  AS_TRANSCFG_HI_WXN,
  AS_TRANSCFG_HI_XREADABLE,
  AS_TRANSCFG_LO,
  AS_TRANSTAB_LO,
  asReg,
  createPlatform,
  GpuAccessKind,
  packLockRegion,
  TRANSLATE_FAULTED,
} from "../src/index.js";
import {
  A64_PAGE_RW,
  HandTables,
  programAarch64,
  waitReady,
  XN_HI,
} from "./helpers/hand-tables.js";

const AS = 2;
const VA = 0x7f_0000_0000;

function setup(cfgHi = 0, ias = 48) {
  const sim = createPlatform("g610");
  const { mmio } = sim.platform;
  const startLevel = 4 - Math.ceil((ias - 12) / 9);
  const t = new HandTables(sim.memory, startLevel);
  const page = sim.memory.allocPage() as number;
  programAarch64(mmio, AS, t.root, ias, cfgHi);
  waitReady(mmio, sim.loop, AS);
  return { sim, mmio, t, page, mmu: sim.gpu.mmu };
}

describe("AArch64 4K mode", () => {
  it("WXN makes writable pages non-executable; XREADABLE makes executable pages readable", () => {
    const a = setup(AS_TRANSCFG_HI_WXN);
    a.t.map(VA, a.page, 3, A64_PAGE_RW);
    expect(a.mmu.translate(AS, VA, GpuAccessKind.Execute, 0)).toBe(TRANSLATE_FAULTED);
    const b = setup(AS_TRANSCFG_HI_XREADABLE);
    b.t.map(VA, b.page, 3, A64_PAGE_RW & ~0x40); // AP[1] clear: no unprivileged data access
    expect(b.mmu.translate(AS, VA, GpuAccessKind.Write, 0)).toBe(TRANSLATE_FAULTED);
    b.sim.platform.mmio.write32(0x2004, 0xffffffff);
    expect(b.mmu.translate(AS, VA + 4, GpuAccessKind.Execute, 0)).toBe(b.page + 4);
    expect(b.mmu.translate(AS, VA + 8, GpuAccessKind.Read, 0)).toBe(b.page + 8);
  });

  it("UXN on the page or UXNTable on a table forbids execution", () => {
    const { t, page, mmu, sim } = setup();
    t.map(VA, page, 3, A64_PAGE_RW, XN_HI);
    expect(mmu.translate(AS, VA, GpuAccessKind.Read, 0)).toBe(page);
    expect(mmu.translate(AS, VA, GpuAccessKind.Execute, 0)).toBe(TRANSLATE_FAULTED);
    sim.platform.mmio.write32(0x2004, 0xffffffff);
    const other = VA + 0x4000_0000; // another level-1 entry
    t.map(other, page, 3, A64_PAGE_RW);
    expect(mmu.translate(AS, other, GpuAccessKind.Execute, 0)).toBe(page);
    const l0 = sim.memory.pageU32(t.root);
    const i = (Math.floor(other / 2 ** 39) % 512) * 2 + 1;
    l0[i] = ((l0[i] as number) | 0x1000_0000) >>> 0; // UXNTable on the level-0 descriptor
    t.map(other + 0x1000, page, 3, A64_PAGE_RW);
    expect(mmu.translate(AS, other + 0x1000, GpuAccessKind.Execute, 0)).toBe(TRANSLATE_FAULTED);
  });

  it("a smaller input size starts the walk lower and faults above it", () => {
    const { t, page, mmu, mmio } = setup(0, 39);
    t.map(0x40_0000_1000, page, 3, A64_PAGE_RW);
    expect(mmu.translate(AS, 0x40_0000_1abc, GpuAccessKind.Read, 0)).toBe(page + 0xabc);
    expect(mmu.translate(AS, 2 ** 39, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    expect(mmio.read32(0x2400 + (AS << 6) + 0x1c) & 0xff).toBe(0xe0);
  });

  it("TRANSCFG identity mode", () => {
    const sim = createPlatform("g610");
    const { mmio } = sim.platform;
    mmio.write32(asReg(0, AS_TRANSTAB_LO), 0);
    mmio.write32(asReg(0, AS_TRANSCFG_LO), AS_TRANSCFG_ADRMODE_IDENTITY);
    mmio.write32(asReg(0, AS_COMMAND), 1);
    waitReady(mmio, sim.loop, 0);
    expect(sim.gpu.mmu.translate(0, 0x8123_4567, GpuAccessKind.Execute, 0)).toBe(0x8123_4567);
  });
});

describe("lock region packing", () => {
  it("covers the range with a naturally aligned power of two of at least 32 KiB", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 47 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (start, size) => {
          const r = packLockRegion(start, size);
          expect(r.regionSize).toBeGreaterThanOrEqual(0x8000);
          expect(Number.isInteger(Math.log2(r.regionSize))).toBe(true);
          expect(r.regionStart % r.regionSize).toBe(0);
          expect(r.regionStart).toBeLessThanOrEqual(start);
          expect(r.regionStart + r.regionSize).toBeGreaterThanOrEqual(start + size);
          // Smallest such block: no aligned block of half the size holds the whole range.
          const half = r.regionSize / 2;
          const fitsInHalf = Math.floor(start / half) === Math.floor((start + size - 1) / half);
          expect(r.regionSize === 0x8000 || !fitsInHalf).toBe(true);
        },
      ),
    );
  });
});

/**
 * The AArch64 64 KiB-granule mode (TRANSCFG ADRMODE_AARCH64_64K) on hand-written tables: 13 index
 * bits per level, 64 KiB pages, 512 MiB blocks, OA[51:48] in descriptor bits 15:12, and 4 TiB
 * level-1 blocks only with 52 physical address bits.
 */
import { describe, expect, it } from "vitest";
import {
  AS_FAULTSTATUS,
  AS_TRANSCFG_ADRMODE_AARCH64_64K,
  asReg,
  createPlatform,
  EXCEPTION_ADDR_SIZE_FAULT_OUT_0,
  EXCEPTION_TRANSLATION_FAULT_0,
  GpuAccessKind,
  MMU_INT_CLEAR,
  TRANSLATE_FAULTED,
  TranslationMode,
} from "../src/index.js";
import { A64_BLOCK_RW, A64_PAGE_RW, programAarch64, waitReady } from "./helpers/hand-tables.js";

const AS = 3;
const TWO32 = 2 ** 32;
/** 64 KiB: 16 pages. */
const PAGES_64K = 16;

/** ias 48 with 64 KiB tables: a level-1 root of 64 entries, then level 2 and level 3. */
function setup(paBits = 40) {
  const sim = createPlatform("g610", { overrides: { paBits } });
  const mem = sim.memory;
  const table = (): number => mem.allocContiguous(PAGES_64K, PAGES_64K) as number;
  const root = table();
  const l2 = table();
  const l3 = table();
  /** Writes entry `idx` of the 64 KiB table at `t` (entries past 511 live in later pages). */
  const put = (t: number, idx: number, lo: number, hi = 0): void => {
    const words = mem.pageU32(t + Math.floor(idx / 512) * 4096);
    words[(idx % 512) * 2] = lo >>> 0;
    words[(idx % 512) * 2 + 1] = hi >>> 0;
  };
  put(root, 1, l2 | 3); // VAs 4 TiB .. 8 TiB
  put(l2, 5, l3 | 3); // 4 TiB + 5 × 512 MiB
  programAarch64(sim.platform.mmio, AS, root, 48, 0, AS_TRANSCFG_ADRMODE_AARCH64_64K);
  waitReady(sim.platform.mmio, sim.loop, AS);
  const faultCode = (): number => {
    const code = sim.platform.mmio.read32(asReg(AS, AS_FAULTSTATUS)) & 0xff;
    sim.platform.mmio.write32(MMU_INT_CLEAR, 1 << AS);
    return code;
  };
  return { sim, mmu: sim.gpu.mmu, root, l2, l3, put, faultCode };
}

const L3_BASE = 4 * 2 ** 40 + 5 * 2 ** 29;

describe("AArch64 64K mode", () => {
  it("decodes to a three-level walk from level 1 for a 48-bit input size", () => {
    const { mmu } = setup();
    expect(mmu.slot(AS).cfg.mode).toBe(TranslationMode.Aarch64_64K);
    expect(mmu.slot(AS).cfg.startLevel).toBe(1);
  });

  it("maps 64 KiB pages through tables whose entries span sixteen 4 KiB pages", () => {
    const { mmu, l3, put } = setup();
    put(l3, 600, 0x4000_0000 | A64_PAGE_RW); // entry 600: in the table's second 4 KiB page
    const va = L3_BASE + 600 * 0x1_0000;
    expect(mmu.translate(AS, va + 0x1234, GpuAccessKind.Read, 0)).toBe(0x4000_1234);
    expect(mmu.translate(AS, va + 0xfffc, GpuAccessKind.Write, 0)).toBe(0x4000_fffc);
    expect(mmu.probe(AS, va + 0x1_0000)).toBe(-(EXCEPTION_TRANSLATION_FAULT_0 + 3));
  });

  it("maps 512 MiB blocks at level 2 and ignores their RES0 low output bits", () => {
    const { mmu, l2, put } = setup();
    put(l2, 7, 0x6000_0000 | 0x1_0000 | A64_BLOCK_RW); // OA bit 16 is below the block size
    const va = 4 * 2 ** 40 + 7 * 2 ** 29;
    expect(mmu.translate(AS, va + 0x1234_5678, GpuAccessKind.Read, 0)).toBe(0x7234_5678);
  });

  it("without 52-bit PAs: a level-1 block is invalid and OA[51:48] faults on the output size", () => {
    const { mmu, root, l3, put, faultCode } = setup(40);
    put(root, 2, A64_BLOCK_RW); // a 4 TiB block at VA 8 TiB
    expect(mmu.translate(AS, 8 * 2 ** 40, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    expect(faultCode()).toBe(EXCEPTION_TRANSLATION_FAULT_0 + 1);
    put(l3, 3, 0x4000_0000 | 0x1000 | A64_PAGE_RW); // descriptor bit 12 = OA bit 48
    expect(mmu.translate(AS, L3_BASE + 3 * 0x1_0000, GpuAccessKind.Read, 0)).toBe(
      TRANSLATE_FAULTED,
    );
    expect(faultCode()).toBe(EXCEPTION_ADDR_SIZE_FAULT_OUT_0 + 3);
  });

  it("with 52-bit PAs: 4 TiB level-1 blocks and OA[51:48] give 52-bit outputs", () => {
    const { mmu, root, l3, put } = setup(52);
    put(root, 2, 0x3000 | A64_BLOCK_RW, 0x400); // OA 0x0003_0400_0000_0000 (bits 51:48 = 3)
    const va = 8 * 2 ** 40 + 0x123_4567_8000;
    expect(mmu.translate(AS, va, GpuAccessKind.Read, 0)).toBe(
      3 * 2 ** 48 + 4 * 2 ** 40 + 0x123_4567_8000,
    );
    put(l3, 3, 0x4000_0000 | 0xf000 | A64_PAGE_RW, 0xffff);
    expect(mmu.translate(AS, L3_BASE + 3 * 0x1_0000 + 8, GpuAccessKind.Read, 0)).toBe(
      0xf_ffff * TWO32 + 0x4000_0008,
    );
  });
});

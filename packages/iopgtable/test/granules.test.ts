/**
 * The 16 KiB and 64 KiB granules of ARM_64_LPAE_S1 on purpose-built cases the golden files do
 * not pin down: runs of 4 TiB blocks, 52-bit outputs read back through the walk cache and the
 * full walk, and tables of a kernel with 64 KiB pages.
 */
import { describe, expect, it } from "vitest";
import {
  ArrayPageTableMemory,
  allocIoPgtableOps,
  dumpIoPgtable,
  IOMMU_READ,
  IOMMU_WRITE,
  IoPgtableFormat,
  type IoPgtableOps,
} from "../src/index.js";

const RW = IOMMU_READ | IOMMU_WRITE;
const SZ_16K = 0x4000;
const SZ_32M = 0x200_0000;
const SZ_64K = 0x1_0000;
const SZ_512M = 0x2000_0000;
const SZ_4T = 2 ** 42;

function s1(bitmap: number, ias: number, oas: number, pageSize = 4096): IoPgtableOps<null> {
  const memory = new ArrayPageTableMemory();
  const cfg = { pgsizeBitmap: bitmap, ias, oas, coherentWalk: true, memory, pageSize };
  const ops = allocIoPgtableOps(IoPgtableFormat.ARM_64_LPAE_S1, cfg, null);
  if (ops === null) throw new Error("refused");
  return ops;
}

describe("granules", () => {
  it("a run of 4 TiB blocks gives each block its own output address", () => {
    const ops = s1(SZ_64K + SZ_512M + SZ_4T, 52, 52);
    const pa = 2 ** 48; // 4 TiB aligned, above 48 bits
    expect(ops.mapPages(SZ_4T, pa, SZ_4T, 3, RW)).toBe(0);
    expect(ops.mapped).toBe(3 * SZ_4T);
    expect(ops.iovaToPhys(SZ_4T + 0x1234)).toBe(pa + 0x1234);
    expect(ops.iovaToPhys(2 * SZ_4T + 0x1234)).toBe(pa + SZ_4T + 0x1234);
    expect(ops.iovaToPhys(4 * SZ_4T - 1)).toBe(pa + 3 * SZ_4T - 1);
    // Bits 47:42 of the address in the descriptor, bits 51:48 folded into 15:12.
    const blocks = dumpIoPgtable(ops).map((r) => r.desc);
    expect(blocks).toEqual(["0x0000000000001e41", "0x0000040000001e41", "0x0000080000001e41"]);
    expect(ops.unmapPages(SZ_4T, SZ_4T, 3)).toBe(3 * SZ_4T);
  });

  it("64 KiB pages read back bits 51:48 through the walk cache and through a full walk", () => {
    const ops = s1(SZ_64K | SZ_512M, 48, 52);
    const pa = 0xf_ffff_fffe_0000; // the top two 64 KiB pages of the 52-bit space
    expect(ops.mapPages(0x7_0000, pa, SZ_64K, 2, RW)).toBe(0);
    // The first lookup walks from the root, later ones hit the walk cache.
    for (let i = 0; i < 2; i++) {
      expect(ops.iovaToPhys(0x7_0000 + 0x123)).toBe(pa + 0x123);
      expect(ops.iovaToPhys(0x8_ffff)).toBe(pa + SZ_64K + 0xffff);
    }
    expect(ops.iovaToPhys(0x9_0000)).toBe(0);
  });

  it("16 KiB pages keep paddr bits 13:12 and OR the offset into them, like the kernel", () => {
    const ops = s1(SZ_16K | SZ_32M, 48, 48);
    expect(ops.mapPages(0x4000, 0x8000_3000, SZ_16K, 1, RW)).toBe(0);
    expect(ops.iovaToPhys(0x4000 + 0x1001)).toBe(0x8000_3001);
    expect(ops.startLevel).toBe(0);
    expect(ops.pgdEntries).toBe(2);
  });

  it("a kernel with 64 KiB pages allocates every table, the root included, as 64 KiB", () => {
    const ops = s1(0x1000 | SZ_64K | SZ_512M, 48, 48, 65536);
    expect(ops.granule).toBe(SZ_64K);
    expect(ops.rootAllocBytes).toBe(SZ_64K);
    expect(ops.mapPages(0, 0x4000_0000, SZ_64K, 1, RW)).toBe(0);
    const memory = ops.memory as ArrayPageTableMemory;
    expect([memory.liveAllocations, memory.livePages]).toEqual([3, 3 * 16]);
    ops.free();
    expect(memory.livePages).toBe(0);
  });
});

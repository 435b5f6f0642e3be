/**
 * Behaviours the golden README describes for the held-back set, and failure handling.
 */
import { describe, expect, it } from "vitest";
import {
  ArrayPageTableMemory,
  allocIoPgtableOps,
  dumpIoPgtable,
  IO_PGTABLE_QUIRK_ARM_TTBR1,
  IOMMU_READ,
  IOMMU_WRITE,
  IoPgtableFormat,
  type IoPgtableOps,
  SZ_1G,
  SZ_2M,
  SZ_4K,
} from "../src/index.js";

const RW = IOMMU_READ | IOMMU_WRITE;

function table(
  fmt: IoPgtableFormat,
  ias: number,
  oas: number,
  memory = new ArrayPageTableMemory(),
): IoPgtableOps<null> {
  const ops = allocIoPgtableOps(
    fmt,
    { pgsizeBitmap: SZ_4K | SZ_2M | SZ_1G, ias, oas, coherentWalk: true, memory },
    null,
  );
  if (ops === null) throw new Error("refused");
  return ops;
}

describe("edge cases", () => {
  it("pgcount 0 allocates the tables and maps nothing", () => {
    const ops = table(IoPgtableFormat.ARM_64_LPAE_S1, 48, 48);
    expect(ops.mapPages(0x1000, 0x2000, SZ_4K, 0, RW)).toBe(0);
    expect(ops.mapped).toBe(0);
    expect(ops.tablePages).toBe(4);
    expect(ops.iovaToPhys(0x1000)).toBe(0);
  });

  it("a pgsize with two valid bits allocates the tables, then fails with -EINVAL", () => {
    const ops = table(IoPgtableFormat.ARM_MALI_LPAE, 48, 40);
    expect(ops.mapPages(0, 0, SZ_4K | SZ_2M, 1, RW)).toBe(-22);
    expect(ops.tablePages).toBe(4);
    expect(ops.warnCount).toBe(1);
    expect(ops.unmapPages(0, SZ_4K | SZ_2M, 1)).toBe(0);
  });

  it("a run whose paddr crosses 2^oas folds address bits 51:48 into 15:12", () => {
    const ops = table(IoPgtableFormat.ARM_64_LPAE_S1, 48, 48);
    const top = 2 ** 48 - SZ_4K;
    expect(ops.mapPages(0x10000, top, SZ_4K, 3, RW)).toBe(0);
    expect(ops.mapped).toBe(3 * SZ_4K);
    const leaves = dumpIoPgtable(ops).filter((r) => r.kind === "page");
    expect(leaves.map((r) => r.desc)).toEqual([
      "0x0000fffffffffe43",
      "0x0000000000001e43",
      "0x0000000000001e43",
    ]);
    expect(ops.iovaToPhys(0x11234)).toBe(0x1234);
  });

  it("carries paddr runs across 2^32 boundaries", () => {
    const ops = table(IoPgtableFormat.ARM_MALI_LPAE, 48, 40);
    expect(ops.mapPages(0x7000, 0xffffe000, SZ_4K, 4, RW)).toBe(0);
    const pages = dumpIoPgtable(ops).filter((r) => r.kind === "page");
    expect(pages.map((r) => r.desc)).toEqual([
      "0x00000000ffffe2c1",
      "0x00000000fffff2c1",
      "0x00000001000002c1",
      "0x00000001000012c1",
    ]);
    expect(ops.mapPages(0x40000000, 0x1ffc00000, SZ_2M, 3, RW)).toBe(0);
    expect(ops.iovaToPhys(0x40000000 + 2 * SZ_2M + 5)).toBe(0x200000005);
    expect(ops.iovaToPhys(0x40000000 + SZ_2M + 7)).toBe(0x1ffe00007);
    expect(ops.iovaToPhys(0x40000000 + 9)).toBe(0x1ffc00009);
  });

  it("truncates pgcount to int like the kernel", () => {
    const ops = table(IoPgtableFormat.ARM_64_LPAE_S1, 48, 48);
    expect(ops.mapPages(0, 0x100000, SZ_4K, 2 ** 32 + 2, RW)).toBe(0);
    expect(ops.mapped).toBe(2 * SZ_4K);
    expect(ops.unmapPages(0, SZ_4K, 2 ** 32 + 1)).toBe(SZ_4K);
    expect(ops.unmapPages(SZ_4K, SZ_4K, 2 ** 32)).toBe(0);
  });

  it("root-level 1 GiB runs on a 4-entry root write past the pgd", () => {
    const ops = table(IoPgtableFormat.ARM_64_LPAE_S1, 32, 40);
    expect(ops.pgdEntries).toBe(4);
    expect(ops.mapPages(3 * SZ_1G, 0, SZ_1G, 3, RW)).toBe(0);
    expect(ops.mapped).toBe(3 * SZ_1G);
    const dump = dumpIoPgtable(ops);
    expect(dump.map((r) => [r.index, r.outsidePgd === true])).toEqual([
      [3, false],
      [4, true],
      [5, true],
    ]);
    expect(dump[1]?.vaBase).toBe("0x0000000100000000");
    // iova 4 GiB aliases onto entry 0 (ias bits are ignored): never the entry written at 4.
    expect(ops.iovaToPhys(4 * SZ_1G)).toBe(0);
    expect(ops.iovaToPhys(3 * SZ_1G + 5)).toBe(5);
    ops.free();
    expect(ops.memory instanceof ArrayPageTableMemory && ops.memory.livePages).toBe(0);
  });

  it("looks up iovas at the very top of the 64-bit space like the kernel's walk", () => {
    const ops = table(IoPgtableFormat.ARM_64_LPAE_S1, 32, 40);
    expect(ops.mapPages(0xffffe000, 0x40000000, SZ_4K, 2, RW)).toBe(0);
    // 0xffffffffffffe000 aliases 0xffffe000. In the last page the kernel's walk wraps
    // (addr += size overflows) yet still ends on that leaf; for the very last iova the walk
    // visits nothing (the kernel reads uninitialised data; we answer 0).
    expect(ops.iovaToPhysLoHi(0xffffe010, 0xffffffff)).toBe(0x40000010);
    expect(ops.iovaToPhysLoHi(0xfffff010, 0xffffffff)).toBe(0x40001010);
    expect(ops.iovaToPhysLoHi(0xfffffffe, 0xffffffff)).toBe(0x40001ffe);
    expect(ops.iovaToPhysLoHi(0xffffffff, 0xffffffff)).toBe(0);
    expect(ops.iovaToPhys(0xffffe010)).toBe(0x40000010);
  });

  it("an allocation failure mid-map returns -ENOMEM and leaves only complete tables", () => {
    const memory = new ArrayPageTableMemory();
    const ops = table(IoPgtableFormat.ARM_MALI_LPAE, 48, 40, memory);
    memory.failAlloc(3);
    expect(ops.mapPages(0x40000000, 0x1000, SZ_4K, 4, RW)).toBe(-12);
    expect(ops.mapped).toBe(0);
    expect(memory.livePages).toBe(3);
    const dump = dumpIoPgtable(ops);
    expect(dump.map((r) => [r.level, r.kind])).toEqual([
      [0, "table"],
      [1, "table"],
    ]);
    expect(ops.mapPages(0x40000000, 0x1000, SZ_4K, 4, RW)).toBe(0);
    expect(ops.iovaToPhys(0x40003008)).toBe(0x4008);
    ops.free();
    expect(memory.livePages).toBe(0);
  });

  it("rejects non-integer arguments without touching the table", () => {
    const ops = table(IoPgtableFormat.ARM_64_LPAE_S1, 48, 48);
    expect(ops.mapPages(0.5, 0, SZ_4K, 1, RW)).toBe(-34);
    expect(ops.mapPages(0, 0.5, SZ_4K, 1, RW)).toBe(-22);
    expect(ops.mapPages(0, 0, SZ_4K, 1.5, RW)).toBe(-22);
    expect(ops.mapPages(Number.NaN, 0, SZ_4K, 1, RW)).toBe(-34);
    expect(ops.unmapPages(Number.NaN, SZ_4K, 1)).toBe(0);
    expect(ops.iovaToPhys(Number.NaN)).toBe(0);
    expect(ops.tablePages).toBe(1);
  });

  it("refuses to work on a freed table", () => {
    const memory = new ArrayPageTableMemory();
    const ops = table(IoPgtableFormat.ARM_64_LPAE_S1, 48, 48, memory);
    expect(ops.mapPages(0x1000, 0x2000, SZ_4K, 1, RW)).toBe(0);
    ops.free();
    ops.free();
    expect(memory.livePages).toBe(0);
    expect(ops.mapPages(0x1000, 0x2000, SZ_4K, 1, RW)).toBe(-22);
    expect(ops.unmapPages(0x1000, SZ_4K, 1)).toBe(0);
    expect(ops.iovaToPhys(0x1000)).toBe(0);
    expect(ops.warnCount).toBe(3);
    expect(memory.livePages).toBe(0);
  });

  it("mapping workload (1) allocates exactly 515 new table pages", () => {
    for (const fmt of [IoPgtableFormat.ARM_64_LPAE_S1, IoPgtableFormat.ARM_MALI_LPAE]) {
      const memory = new ArrayPageTableMemory();
      const ops = table(fmt, 48, fmt === "ARM_MALI_LPAE" ? 40 : 48, memory);
      const before = memory.allocCount;
      let iova = 0x80200000;
      let paddr = 0x100000000;
      for (let c = 0; c < 512; c++) {
        expect(ops.mapPages(iova, paddr, SZ_4K, 512, RW)).toBe(0);
        iova += ops.mapped;
        paddr += ops.mapped;
      }
      expect(iova).toBe(0x80200000 + SZ_1G);
      expect(memory.allocCount - before).toBe(515);
      ops.free();
      expect(memory.livePages).toBe(0);
    }
  });
  it("reports a TTBR1 table's vaBase the same way when it is allocated, dumped and freed", () => {
    const memory = new ArrayPageTableMemory();
    const log: string[] = [];
    const ops = allocIoPgtableOps(
      IoPgtableFormat.ARM_64_LPAE_S1,
      {
        pgsizeBitmap: SZ_4K | SZ_2M | SZ_1G,
        ias: 39,
        oas: 40,
        coherentWalk: true,
        quirks: IO_PGTABLE_QUIRK_ARM_TTBR1,
        memory,
        observer: {
          tableAllocated: (_pa, level, va) => log.push(`alloc ${level} ${va.toString(16)}`),
          tableFreed: (_pa, level, va) => log.push(`free ${level} ${va.toString(16)}`),
        },
      },
      null,
    );
    if (ops === null) throw new Error("refused");
    // The top 512 GiB of the 64-bit space: index 5 at level 1, index 3 at level 2.
    const iova = 2 ** 64 - 2 ** 39 + 5 * SZ_1G + 3 * SZ_2M;
    expect(ops.mapPages(iova, 0x4000_0000, SZ_4K, 1, RW)).toBe(0);
    expect(ops.iovaToPhys(iova)).toBe(0x4000_0000);
    const tables = dumpIoPgtable(ops).filter((r) => r.kind === "table");
    expect(tables.map((r) => [r.level, r.vaBase])).toEqual([
      [1, "0x0000000140000000"],
      [2, "0x0000000140600000"],
    ]);
    expect(log.splice(0)).toEqual(["alloc 1 0", "alloc 2 140000000", "alloc 3 140600000"]);
    // A 2 MiB unmap of the level-3 table frees it under the same vaBase.
    expect(ops.unmapPages(iova, SZ_2M, 1, null)).toBe(SZ_2M);
    expect(log.splice(0)).toEqual(["free 3 140600000"]);
    expect(ops.mapPages(iova, 0x4000_0000, SZ_4K, 1, RW)).toBe(0);
    expect(ops.mapPages(-(2 ** 39) + SZ_4K, 0x5000_0000, SZ_4K, 1, RW)).toBe(0);
    expect(log.splice(0)).toEqual(["alloc 3 140600000", "alloc 2 0", "alloc 3 0"]);
    ops.free();
    expect(log).toEqual([
      "free 3 0",
      "free 2 0",
      "free 3 140600000",
      "free 2 140000000",
      "free 1 0",
    ]);
  });
});

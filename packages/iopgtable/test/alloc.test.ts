import { describe, expect, it } from "vitest";
import {
  ArrayPageTableMemory,
  allocIoPgtableOps,
  freeIoPgtableOps,
  IO_PGTABLE_QUIRK_ARM_HD,
  IO_PGTABLE_QUIRK_ARM_NS,
  IO_PGTABLE_QUIRK_ARM_OUTER_WBWA,
  IO_PGTABLE_QUIRK_ARM_TTBR1,
  type IoPgtableCfg,
  IoPgtableFormat,
  SZ_1G,
  SZ_2M,
  SZ_4K,
} from "../src/index.js";

const BM = SZ_4K | SZ_2M | SZ_1G;

function cfgOf(over: Partial<IoPgtableCfg<null>> = {}): IoPgtableCfg<null> {
  return {
    pgsizeBitmap: BM,
    ias: 48,
    oas: 48,
    coherentWalk: true,
    memory: new ArrayPageTableMemory(),
    ...over,
  };
}

describe("allocIoPgtableOps", () => {
  it("computes the S1 registers", () => {
    const cfg = cfgOf({ ias: 39, oas: 40, coherentWalk: false });
    const ops = allocIoPgtableOps(IoPgtableFormat.ARM_64_LPAE_S1, cfg, null);
    expect(ops).not.toBeNull();
    expect(ops?.startLevel).toBe(1);
    expect(ops?.pgdEntries).toBe(512);
    expect(cfg.s1).toEqual({
      ttbr: 0x80000000,
      tcr: { tsz: 25, irgn: 0, orgn: 0, sh: 2, tg: 0, ips: 2 },
      mair: 0xfffffffff404ff44n,
      mairLo: 0xf404ff44,
      mairHi: 0xffffffff,
    });
    expect(cfg.mali).toBeUndefined();
  });

  it("computes the Mali registers and forces a four-level walk", () => {
    const cfg = cfgOf({ ias: 36, oas: 40 });
    const ops = allocIoPgtableOps(IoPgtableFormat.ARM_MALI_LPAE, cfg, null);
    expect(ops?.startLevel).toBe(0);
    expect(ops?.pgdBits).toBe(0);
    expect(ops?.pgdEntries).toBe(1);
    expect(cfg.mali).toEqual({
      transtab: 0x80000017,
      transtabLo: 0x80000017,
      transtabHi: 0,
      memattr: 0x888d88n,
      memattrLo: 0x888d88,
      memattrHi: 0,
    });
  });

  it("refuses what the kernel refuses and adjusts cfg like it", () => {
    const s1 = IoPgtableFormat.ARM_64_LPAE_S1;
    const mali = IoPgtableFormat.ARM_MALI_LPAE;
    expect(allocIoPgtableOps(s1, cfgOf({ oas: 46 }), null)).toBeNull();
    expect(allocIoPgtableOps(s1, cfgOf({ quirks: 2 }), null)).toBeNull();
    expect(
      allocIoPgtableOps(mali, cfgOf({ quirks: IO_PGTABLE_QUIRK_ARM_NS, oas: 40 }), null),
    ).toBeNull();
    expect(allocIoPgtableOps(mali, cfgOf({ oas: 48 }), null)).toBeNull();
    expect(allocIoPgtableOps(mali, cfgOf({ ias: 49, oas: 40 }), null)).toBeNull();
    const noWbwa = cfgOf({ quirks: IO_PGTABLE_QUIRK_ARM_OUTER_WBWA });
    expect(allocIoPgtableOps(s1, noWbwa, null)).toBeNull();
    const no4k = cfgOf({ pgsizeBitmap: SZ_2M });
    expect(allocIoPgtableOps(s1, no4k, null)).toBeNull();
    expect(no4k.pgsizeBitmap).toBe(0);
    const clamp = cfgOf({ ias: 52, oas: 52 });
    const ops = allocIoPgtableOps(s1, clamp, null);
    expect([clamp.ias, clamp.oas, ops?.cfg.ias]).toEqual([48, 48, 48]);
    const wide = cfgOf({ pgsizeBitmap: 0xfffff000 });
    allocIoPgtableOps(s1, wide, null);
    expect(wide.pgsizeBitmap).toBe(BM);
    expect(allocIoPgtableOps("ARM_32_LPAE_S1" as IoPgtableFormat, cfgOf(), null)).toBeNull();
    // Bitmaps and quirks beyond 2^53 are taken as bigints, exactly.
    const allOnes = cfgOf({ pgsizeBitmap: 0xffff_ffff_ffff_ffffn });
    expect(allocIoPgtableOps(s1, allOnes, null)).not.toBeNull();
    expect(allOnes.pgsizeBitmap).toBe(BM);
    expect(allocIoPgtableOps(s1, cfgOf({ quirks: 1n << 63n }), null)).toBeNull();
    // A PAGE_SIZE no arm64 kernel has is refused before cfg is touched.
    const oddPage = cfgOf({ pageSize: 8192, pgsizeBitmap: 0xfffff000 });
    expect(allocIoPgtableOps(s1, oddPage, null)).toBeNull();
    expect(oddPage.pgsizeBitmap).toBe(0xfffff000);
  });

  it("builds 16 KiB and 64 KiB granule tables with their TCR.TG encodings", () => {
    const s1 = IoPgtableFormat.ARM_64_LPAE_S1;
    const sixteen = cfgOf({ pgsizeBitmap: 0x4000 | 0x2000000 });
    const ops16 = allocIoPgtableOps(s1, sixteen, null);
    expect([ops16?.granule, ops16?.startLevel, ops16?.pgdEntries, sixteen.s1?.tcr.tg]).toEqual([
      0x4000, 0, 2, 2,
    ]);
    const sixtyFour = cfgOf({
      pgsizeBitmap: 0x10000 | 0x20000000,
      quirks: IO_PGTABLE_QUIRK_ARM_TTBR1,
    });
    const ops64 = allocIoPgtableOps(s1, sixtyFour, null);
    expect([ops64?.granule, ops64?.startLevel, ops64?.pgdEntries, sixtyFour.s1?.tcr.tg]).toEqual([
      0x10000, 1, 64, 3,
    ]);
    const tg1of16 = cfgOf({ pgsizeBitmap: 0x4000, quirks: IO_PGTABLE_QUIRK_ARM_TTBR1 });
    allocIoPgtableOps(s1, tg1of16, null);
    expect(tg1of16.s1?.tcr.tg).toBe(1);
    // A 64 KiB table is one naturally aligned 16-page block.
    expect(ops64?.mapPages(0x1_0000, 0x1_0000, 0x1_0000, 1, 3)).toBe(-34);
    expect(ops64?.mapPages(-(2 ** 30), 0x1_0000, 0x1_0000, 1, 3)).toBe(0);
    expect(ops64?.iovaToPhys(-(2 ** 30) + 0x1234)).toBe(0x1_1234);
    expect(ops64?.tablePages).toBe(3);
    expect((sixtyFour.memory as ArrayPageTableMemory).livePages).toBe(1 + 2 * 16);
  });

  it("refuses a granule above 4 KiB when the memory cannot allocate blocks of pages", () => {
    const base = new ArrayPageTableMemory();
    const pagesOnly = {
      allocPage: () => base.allocPage(),
      freePage: (pa: number) => base.freePage(pa),
      pageU32: (pa: number) => base.pageU32(pa),
    };
    const cfg = cfgOf({ pgsizeBitmap: 0x4000 | 0x2000000, memory: pagesOnly });
    expect(allocIoPgtableOps(IoPgtableFormat.ARM_64_LPAE_S1, cfg, null)).toBeNull();
    expect(base.livePages).toBe(0);
    const fourK = cfgOf({ memory: pagesOnly });
    expect(allocIoPgtableOps(IoPgtableFormat.ARM_64_LPAE_S1, fourK, null)).not.toBeNull();
  });

  it("requires both custom allocator hooks or neither", () => {
    const alloc = () => null;
    expect(allocIoPgtableOps(IoPgtableFormat.ARM_64_LPAE_S1, cfgOf({ alloc }), null)).toBeNull();
  });

  it("takes every table from the custom allocator when given, root size included", () => {
    const memory = new ArrayPageTableMemory();
    const calls: string[] = [];
    const cfg: IoPgtableCfg<string> = {
      pgsizeBitmap: BM,
      ias: 40,
      oas: 40,
      coherentWalk: true,
      memory,
      alloc: (cookie: string, size: number) => {
        calls.push(`alloc ${cookie} ${size}`);
        return memory.allocPage();
      },
      free: (cookie: string, pa: number, size: number) => {
        calls.push(`free ${cookie} ${size}`);
        memory.freePage(pa);
      },
    };
    const ops = allocIoPgtableOps(IoPgtableFormat.ARM_64_LPAE_S1, cfg, "vm");
    expect(ops?.pgdSizeBytes).toBe(16);
    expect(ops?.mapPages(0x1000, 0x5000, SZ_4K, 1, 3)).toBe(0);
    freeIoPgtableOps(ops);
    expect(calls).toEqual([
      "alloc vm 16",
      "alloc vm 4096",
      "alloc vm 4096",
      "alloc vm 4096",
      "free vm 4096",
      "free vm 4096",
      "free vm 4096",
      "free vm 16",
    ]);
    expect(memory.livePages).toBe(0);
  });

  it("returns null when the root cannot be allocated", () => {
    const memory = new ArrayPageTableMemory();
    memory.failAlloc(1);
    expect(allocIoPgtableOps(IoPgtableFormat.ARM_64_LPAE_S1, cfgOf({ memory }), null)).toBeNull();
    expect(memory.livePages).toBe(0);
  });

  it("applies the TTBR1, HD and NS quirks", () => {
    const ttbr1 = cfgOf({ quirks: IO_PGTABLE_QUIRK_ARM_TTBR1 | IO_PGTABLE_QUIRK_ARM_HD });
    const ops = allocIoPgtableOps(IoPgtableFormat.ARM_64_LPAE_S1, ttbr1, null)!;
    expect(ttbr1.s1?.tcr.tg).toBe(2);
    // Upper-half iovas are the sign-extended ones; a lower-half iova is out of range.
    expect(ops.mapPages(0x1000, 0x2000, SZ_4K, 1, 3)).toBe(-34);
    const high = 2 ** 64 - 2 ** 30; // 0xffffffffc0000000, exact as a double
    expect(ops.mapPages(high, 0x2000, SZ_4K, 1, 3)).toBe(0);
    expect(ops.iovaToPhysLoHi(0xc0000123, 0xffffffff)).toBe(0x2123);
    const desc = ops.memory.pageU32(0x80000000 + 3 * 4096);
    // R|W with HD: DBM (bit 51) instead of nothing; AF, nG, SH outer, AP unpriv, page type.
    expect([desc[0], desc[1]]).toEqual([0x2e43, 0x00080000]);
    expect(ops.unmapPages(high, SZ_4K, 1)).toBe(SZ_4K);
    ops.free();
    const wbwa = cfgOf({ coherentWalk: false, quirks: IO_PGTABLE_QUIRK_ARM_OUTER_WBWA });
    expect(allocIoPgtableOps(IoPgtableFormat.ARM_64_LPAE_S1, wbwa, null)).not.toBeNull();
    expect(wbwa.s1?.tcr).toEqual({ tsz: 16, irgn: 0, orgn: 1, sh: 2, tg: 0, ips: 5 });
  });
});

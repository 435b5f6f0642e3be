/**
 * Creating and destroying page tables. Mirrors alloc_io_pgtable_ops() / free_io_pgtable_ops()
 * (drivers/iommu/io-pgtable.c) with the ARM_64_LPAE_S1 and ARM_MALI_LPAE allocators of
 * io-pgtable-arm.c.
 */
import {
  IO_PGTABLE_QUIRK_ARM_HD,
  IO_PGTABLE_QUIRK_ARM_NS,
  IO_PGTABLE_QUIRK_ARM_OUTER_WBWA,
  IO_PGTABLE_QUIRK_ARM_TTBR1,
  IoPgtableFormat,
  SZ_1G,
  SZ_2M,
  SZ_4K,
} from "./constants.js";
import { TWO32 } from "./lpae/bits.js";
import {
  DEFAULT_PAGE_SIZE,
  type LpaeGeometry,
  lpaeGeometry,
  restrictPgsizes,
} from "./lpae/geometry.js";
import { ArmLpaeIoPgtable, type IoPgtableConfig } from "./lpae/pgtable.js";
import { allocTableMemory, tableViewOrders } from "./lpae/table-memory.js";
import type { ArmLpaeS1Tcr, IoPgtableCfg } from "./types.js";

/** The ops returned by {@link allocIoPgtableOps}. */
export type IoPgtableOps<C = unknown> = ArmLpaeIoPgtable<C>;

/** S1 quirks this kernel version accepts. */
const S1_QUIRKS =
  IO_PGTABLE_QUIRK_ARM_NS |
  IO_PGTABLE_QUIRK_ARM_TTBR1 |
  IO_PGTABLE_QUIRK_ARM_OUTER_WBWA |
  IO_PGTABLE_QUIRK_ARM_HD;

/** TCR.IPS encodings by output address size. */
const IPS_BY_OAS: Readonly<Record<number, number>> = {
  32: 0,
  36: 1,
  40: 2,
  42: 3,
  44: 4,
  48: 5,
  52: 6,
};

/** The stage-1 MAIR: attr0 0x44, attr1 0xff, attr2 0x04, attr3 0xf4, built from `int`s. */
const S1_MAIR_LO = 0xf404ff44;
/** `0xf4 << 24` is a negative `int`, so widening to u64 fills the upper half with ones. */
const S1_MAIR_HI = 0xffffffff;
/** Mali MEMATTR: attr0 0x88 (implementation defined), attr1 0x8d (write-allocate), attr2 0x88. */
const MALI_MEMATTR = 0x888d88;

/**
 * TCR.TG encodings by granule: TG0 for TTBR0 tables, TG1 (`IO_PGTABLE_QUIRK_ARM_TTBR1`) for
 * the upper half. The two fields encode the sizes differently.
 */
const TG0_BY_GRANULE: Readonly<Record<number, number>> = { 4096: 0, 16384: 2, 65536: 1 };
const TG1_BY_GRANULE: Readonly<Record<number, number>> = { 4096: 2, 16384: 1, 65536: 3 };

/** Mali TRANSTAB bits: ADRMODE_TABLE (1:0), READ_INNER (2), SHARE_OUTER (4). */
const MALI_TRANSTAB_ADRMODE_TABLE = 0x3;
const MALI_TRANSTAB_READ_INNER = 0x4;
const MALI_TRANSTAB_SHARE_OUTER = 0x10;

/**
 * Allocates a page table of format `fmt` and its root, or returns null where the kernel
 * refuses (unsupported quirk, no usable granule, oas without a TCR encoding, Mali ias > 48 or
 * oas > 40, a custom allocator given by half, a `pageSize` other than 4, 16 or 64 KiB, root
 * allocation failure).
 *
 * Like the kernel, picks the granule (4, 16 or 64 KiB) from `cfg.pgsizeBitmap` and
 * `cfg.pageSize` (the simulated kernel's `PAGE_SIZE`, default 4096), adjusts `cfg.pgsizeBitmap`
 * (to 4K|2M|1G, 16K|32M or 64K|512M|4T sizes), `cfg.ias` and `cfg.oas` (clamped to 48, or 52
 * with 64 KiB) in place, even when it then refuses, and on success fills `cfg.s1` (ttbr, tcr,
 * mair) or `cfg.mali` (transtab, memattr). Mali keeps only 4 KiB-granule sizes before choosing,
 * so it never gets a 16 or 64 KiB granule. The root table comes from
 * `cfg.alloc(cookie, pgdSizeBytes)` when given, else from `cfg.memory`
 * (`PAGE_SIZE << get_order(pgdSizeBytes)` bytes).
 *
 * Tables larger than one 4 KiB page (16 and 64 KiB granules, a larger `PAGE_SIZE`) need a
 * memory with `allocBlock`/`blockU32` (`blockU32` alone with a custom allocator); without them
 * the root cannot be allocated and the result is null.
 *
 * Mirrors alloc_io_pgtable_ops() with arm_64_lpae_alloc_pgtable_s1() and
 * arm_mali_lpae_alloc_pgtable().
 */
export function allocIoPgtableOps<C>(
  fmt: IoPgtableFormat,
  cfg: IoPgtableCfg<C>,
  cookie: C,
): IoPgtableOps<C> | null {
  if ((cfg.alloc === undefined) !== (cfg.free === undefined)) return null;
  // The simulated kernel's PAGE_SIZE must be one an arm64 kernel can have.
  const pageSize = pageSizeOf(cfg);
  if (pageSize !== 4096 && pageSize !== 16384 && pageSize !== 65536) return null;
  const quirkBits = BigInt.asUintN(64, BigInt(cfg.quirks ?? 0));
  const quirks = Number(quirkBits & 0xffffffffn);
  let geometry: LpaeGeometry;
  if (fmt === IoPgtableFormat.ARM_64_LPAE_S1) {
    if (quirkBits & ~BigInt(S1_QUIRKS)) return null;
    if (!restrictInPlace(cfg)) return null;
    if (cfg.coherentWalk && quirks & IO_PGTABLE_QUIRK_ARM_OUTER_WBWA) return null;
    const ips = IPS_BY_OAS[cfg.oas];
    if (ips === undefined) return null;
    geometry = lpaeGeometry(cfg.ias, false, granuleOf(cfg.pgsizeBitmap));
    const tg =
      (quirks & IO_PGTABLE_QUIRK_ARM_TTBR1 ? TG1_BY_GRANULE : TG0_BY_GRANULE)[geometry.granule] ??
      0;
    const tcr: ArmLpaeS1Tcr = cfg.coherentWalk
      ? { tsz: 64 - cfg.ias, irgn: 1, orgn: 1, sh: 3, tg, ips }
      : {
          tsz: 64 - cfg.ias,
          irgn: 0,
          orgn: quirks & IO_PGTABLE_QUIRK_ARM_OUTER_WBWA ? 1 : 0,
          sh: 2,
          tg,
          ips,
        };
    const rootPa = allocRoot(cfg, cookie, geometry);
    if (rootPa === null) return null;
    cfg.s1 = {
      ttbr: rootPa,
      tcr,
      mair: (BigInt(S1_MAIR_HI) << 32n) | BigInt(S1_MAIR_LO),
      mairLo: S1_MAIR_LO,
      mairHi: S1_MAIR_HI,
    };
    return makeOps(fmt, cfg, cookie, geometry, rootPa, quirks);
  }
  if (fmt === IoPgtableFormat.ARM_MALI_LPAE) {
    if (quirkBits !== 0n) return null;
    if (cfg.ias > 48 || cfg.oas > 40) return null;
    cfg.pgsizeBitmap = Number(
      BigInt.asUintN(64, BigInt(cfg.pgsizeBitmap)) & BigInt(SZ_4K | SZ_2M | SZ_1G),
    );
    if (!restrictInPlace(cfg)) return null;
    geometry = lpaeGeometry(cfg.ias, true, granuleOf(cfg.pgsizeBitmap));
    const rootPa = allocRoot(cfg, cookie, geometry);
    if (rootPa === null) return null;
    let transtab = rootPa + (MALI_TRANSTAB_ADRMODE_TABLE | MALI_TRANSTAB_READ_INNER);
    if (cfg.coherentWalk) transtab += MALI_TRANSTAB_SHARE_OUTER;
    const transtabLo = transtab >>> 0;
    cfg.mali = {
      transtab,
      transtabLo,
      transtabHi: (transtab - transtabLo) / TWO32,
      memattr: BigInt(MALI_MEMATTR),
      memattrLo: MALI_MEMATTR,
      memattrHi: 0,
    };
    return makeOps(fmt, cfg, cookie, geometry, rootPa, quirks);
  }
  return null;
}

/**
 * Tears a page table down: `tlbFlushAll`, then frees every table page. Mirrors
 * free_io_pgtable_ops(). Same as `ops.free()`; accepts null like the kernel.
 */
export function freeIoPgtableOps<C>(ops: IoPgtableOps<C> | null): void {
  ops?.free();
}

/** The granule of an adjusted bitmap: its smallest size (the kernel's `__ffs()` pg_shift). */
function granuleOf(bitmap: number | bigint): number {
  const b = Number(bitmap);
  return b & (4096 | 16384 | 65536) & -b;
}

/** The simulated kernel's PAGE_SIZE of `cfg` (4096 unless given). */
function pageSizeOf<C>(cfg: IoPgtableCfg<C>): number {
  return cfg.pageSize ?? DEFAULT_PAGE_SIZE;
}

/** arm_lpae_restrict_pgsizes() plus the granule checks of arm_lpae_alloc_pgtable(). */
function restrictInPlace<C>(cfg: IoPgtableCfg<C>): boolean {
  const r = restrictPgsizes(cfg.pgsizeBitmap, cfg.ias, cfg.oas, pageSizeOf(cfg));
  cfg.pgsizeBitmap = r.pgsizeBitmap;
  cfg.ias = r.ias;
  cfg.oas = r.oas;
  if (r.granule === 0 || (r.pgsizeBitmap & (SZ_4K | 16384 | 65536)) === 0) return false;
  const pgShift = Math.log2(granuleOf(r.pgsizeBitmap));
  if (!Number.isInteger(cfg.ias) || cfg.ias <= pgShift || !Number.isInteger(cfg.oas)) return false;
  return true;
}

/**
 * Allocates the zeroed root (`__arm_lpae_alloc_pages(ARM_LPAE_PGD_SIZE)`); null when the memory
 * cannot hold tables of this geometry or the allocation fails.
 */
function allocRoot<C>(cfg: IoPgtableCfg<C>, cookie: C, g: LpaeGeometry): number | null {
  const custom = cfg.alloc !== undefined;
  const views = tableViewOrders(g, pageSizeOf(cfg), custom);
  const big = views.tableOrder > 0 || views.rootOrder > 0;
  if (big && cfg.memory.blockU32 === undefined) return null;
  if (big && !custom && (cfg.memory.allocBlock === undefined || cfg.memory.freeBlock === undefined))
    return null;
  const pa = custom
    ? cfg.alloc!(cookie, g.pgdSizeBytes)
    : allocTableMemory(cfg.memory, views.rootOrder);
  if (pa === null) return null;
  cfg.observer?.tableAllocated(pa, g.startLevel, 0);
  return pa;
}

function makeOps<C>(
  fmt: IoPgtableFormat,
  cfg: IoPgtableCfg<C>,
  cookie: C,
  geometry: LpaeGeometry,
  rootPa: number,
  quirks: number,
): IoPgtableOps<C> {
  const config: IoPgtableConfig = {
    fmt,
    quirks,
    pgsizeBitmap: Number(cfg.pgsizeBitmap),
    granule: geometry.granule,
    pageSize: pageSizeOf(cfg),
    ias: cfg.ias,
    oas: cfg.oas,
    coherentWalk: cfg.coherentWalk,
  };
  return new ArmLpaeIoPgtable<C>({
    config,
    geometry,
    rootPa,
    memory: cfg.memory,
    cookie,
    tlb: cfg.tlb,
    alloc: cfg.alloc,
    free: cfg.free,
    observer: cfg.observer,
    warnings: cfg.warnings,
  });
}

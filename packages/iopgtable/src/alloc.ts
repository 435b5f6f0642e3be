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
import { type LpaeGeometry, lpaeGeometry, restrictPgsizes } from "./lpae/geometry.js";
import { ArmLpaeIoPgtable, type IoPgtableConfig } from "./lpae/pgtable.js";
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

/** Mali TRANSTAB bits: ADRMODE_TABLE (1:0), READ_INNER (2), SHARE_OUTER (4). */
const MALI_TRANSTAB_ADRMODE_TABLE = 0x3;
const MALI_TRANSTAB_READ_INNER = 0x4;
const MALI_TRANSTAB_SHARE_OUTER = 0x10;

/**
 * Allocates a page table of format `fmt` and its root, or returns null where the kernel
 * refuses (unsupported quirk, no usable granule, oas without a TCR encoding, Mali ias > 48 or
 * oas > 40, a custom allocator given by half, root allocation failure).
 *
 * Like the kernel, adjusts `cfg.pgsizeBitmap` (to 4 KiB | 2 MiB | 1 GiB sizes), `cfg.ias` and
 * `cfg.oas` (clamped to 48) in place, even when it then refuses, and on success fills
 * `cfg.s1` (ttbr, tcr, mair) or `cfg.mali` (transtab, memattr). The root table comes from
 * `cfg.alloc(cookie, pgdSizeBytes)` when given, else `cfg.memory.allocPage()`.
 *
 * Only the 4 KiB granule is implemented (tables are single 4 KiB pages): a bitmap whose
 * granule the kernel would set to 16 KiB or 64 KiB returns null here.
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
  const quirkBits = BigInt.asUintN(64, BigInt(cfg.quirks ?? 0));
  const quirks = Number(quirkBits & 0xffffffffn);
  let geometry: LpaeGeometry;
  if (fmt === IoPgtableFormat.ARM_64_LPAE_S1) {
    if (quirkBits & ~BigInt(S1_QUIRKS)) return null;
    if (!restrictInPlace(cfg)) return null;
    if (cfg.coherentWalk && quirks & IO_PGTABLE_QUIRK_ARM_OUTER_WBWA) return null;
    const ips = IPS_BY_OAS[cfg.oas];
    if (ips === undefined) return null;
    geometry = lpaeGeometry(cfg.ias, false);
    const tcr: ArmLpaeS1Tcr = cfg.coherentWalk
      ? { tsz: 64 - cfg.ias, irgn: 1, orgn: 1, sh: 3, tg: 0, ips }
      : {
          tsz: 64 - cfg.ias,
          irgn: 0,
          orgn: quirks & IO_PGTABLE_QUIRK_ARM_OUTER_WBWA ? 1 : 0,
          sh: 2,
          tg: 0,
          ips,
        };
    tcr.tg = quirks & IO_PGTABLE_QUIRK_ARM_TTBR1 ? 2 : 0;
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
    geometry = lpaeGeometry(cfg.ias, true);
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

/** arm_lpae_restrict_pgsizes() plus the granule checks of arm_lpae_alloc_pgtable(). */
function restrictInPlace<C>(cfg: IoPgtableCfg<C>): boolean {
  const r = restrictPgsizes(cfg.pgsizeBitmap, cfg.ias, cfg.oas);
  cfg.pgsizeBitmap = r.pgsizeBitmap;
  cfg.ias = r.ias;
  cfg.oas = r.oas;
  if (r.granule === 0 || r.pgsizeBitmap === 0) return false;
  // Tables here are single 4 KiB pages, so only the 4 KiB granule is supported; a bitmap whose
  // smallest page is 16 KiB or 64 KiB is refused where the kernel would build larger tables.
  if (r.granule !== SZ_4K) return false;
  if (!Number.isInteger(cfg.ias) || cfg.ias <= 12 || !Number.isInteger(cfg.oas)) return false;
  return true;
}

function allocRoot<C>(cfg: IoPgtableCfg<C>, cookie: C, g: LpaeGeometry): number | null {
  const pa = cfg.alloc !== undefined ? cfg.alloc(cookie, g.pgdSizeBytes) : cfg.memory.allocPage();
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

/**
 * Configuration and callback types of the io-pgtable API (`struct io_pgtable_cfg`,
 * `struct iommu_flush_ops`).
 */
import type { IommuIotlbGather } from "./gather.js";
import type { PageTableMemory } from "./memory.js";

/**
 * TLB maintenance callbacks. Mirrors `struct iommu_flush_ops`. Every callback is optional, like
 * the kernel's `io_pgtable_tlb_*()` wrappers that skip a missing one. `cookie` is the value given
 * to `allocIoPgtableOps`.
 */
export interface IommuFlushOps<C = unknown> {
  /** Invalidate the whole context; called once by `freeIoPgtableOps` before the tables go. */
  tlbFlushAll?(cookie: C): void;
  /**
   * Invalidate walk caches (and leaves) for `[iova, iova + size)` after a table was unlinked,
   * before it is freed. `granule` is the table's granule (4096, 16384 or 65536).
   */
  tlbFlushWalk?(iova: number, size: number, granule: number, cookie: C): void;
  /** Queue invalidation of one leaf of size `granule` at `iova` into `gather`. */
  tlbAddPage?(gather: IommuIotlbGather, iova: number, granule: number, cookie: C): void;
}

/**
 * Observer of table-page lifetime: a debugging and accounting hook with no kernel counterpart
 * (the golden vectors' `alloc`/`free` events come from it). `vaBase` is the table's first iova
 * as a position in the root's input range, numbered like the dump's rows: with
 * `IO_PGTABLE_QUIRK_ARM_TTBR1` the sign-extension bits above ias are dropped.
 */
export interface IoPgtableObserver {
  /** A table page at `pa` was allocated to become a table of `level` covering iovas from `vaBase`. */
  tableAllocated(pa: number, level: number, vaBase: number): void;
  /** The table page at `pa` (of `level`, covering iovas from `vaBase`) was freed. */
  tableFreed(pa: number, level: number, vaBase: number): void;
}

/** Where kernel `WARN_ON()` conditions are reported; `@panmmu/uapi`'s `WarningSink` fits. */
export interface IoPgtableWarnSink {
  /** Records one warning. Must not throw. */
  warn(where: string, message: string): void;
}

/** TCR fields for a stage-1 table (`cfg->arm_lpae_s1_cfg.tcr`). */
export interface ArmLpaeS1Tcr {
  /** T0SZ/T1SZ: 64 − ias. */
  tsz: number;
  /** Inner cacheability of walks: 0 non-cacheable, 1 write-back write-allocate. */
  irgn: number;
  /** Outer cacheability of walks: 0 non-cacheable, 1 write-back write-allocate. */
  orgn: number;
  /** Shareability of walks: 2 outer, 3 inner. */
  sh: number;
  /**
   * Granule encoding: TG0 0 / 2 / 1 for 4 / 16 / 64 KiB, or with the TTBR1 quirk TG1 2 / 1 / 3.
   */
  tg: number;
  /** Intermediate physical size encoding from oas (32→0 … 48→5, 52→6). */
  ips: number;
}

/** Stage-1 outputs (`cfg->arm_lpae_s1_cfg`). */
export interface ArmLpaeS1Outputs {
  /** TTBR value: the root table's physical address. */
  ttbr: number;
  /** TCR fields. */
  tcr: ArmLpaeS1Tcr;
  /**
   * MAIR as the kernel stores it (u64, upper half sign-extended: `0xfffffffff404ff44`).
   * `bigint` because it does not fit a safe integer; see `mairLo`/`mairHi`.
   */
  mair: bigint;
  /** Low 32 bits of `mair` (MAIR0). */
  mairLo: number;
  /** High 32 bits of `mair` (MAIR1). */
  mairHi: number;
}

/** Mali outputs (`cfg->arm_mali_lpae_cfg`). */
export interface ArmMaliLpaeOutputs {
  /** AS_TRANSTAB value: root physical address | ADRMODE_TABLE | READ_INNER (| SHARE_OUTER). */
  transtab: number;
  /** Low 32 bits of `transtab` (AS_TRANSTAB_LO). */
  transtabLo: number;
  /** High 32 bits of `transtab` (AS_TRANSTAB_HI). */
  transtabHi: number;
  /** AS_MEMATTR value (`0x888d88`) as a u64. */
  memattr: bigint;
  /** Low 32 bits of `memattr` (AS_MEMATTR_LO). */
  memattrLo: number;
  /** High 32 bits of `memattr` (AS_MEMATTR_HI). */
  memattrHi: number;
}

/**
 * Page-table configuration. Mirrors `struct io_pgtable_cfg`. Like the kernel,
 * `allocIoPgtableOps` adjusts `pgsizeBitmap`, `ias` and `oas` in place (also when it then
 * refuses) and fills `s1` or `mali` on success; the returned ops keep their own copy.
 */
export interface IoPgtableCfg<C = unknown> {
  /** `IO_PGTABLE_QUIRK_*` bits (a bigint for bits above 2^53). Default 0. */
  quirks?: number | bigint;
  /**
   * Supported page/block sizes as a bitmask of sizes; a bigint may carry bits above 2^53.
   * `allocIoPgtableOps` replaces it with the adjusted bitmap, a number: 4K|2M|1G, 16K|32M or
   * 64K|512M|4T sizes, by the granule it picks.
   */
  pgsizeBitmap: number | bigint;
  /**
   * `PAGE_SIZE` of the simulated kernel (4096, 16384 or 65536; default 4096). It decides which
   * granule a bitmap gives (the kernel prefers its own page size, then the largest size below
   * it, then the smallest above) and how big every table allocation is
   * (`PAGE_SIZE << get_order(size)`). Not part of the kernel's `struct io_pgtable_cfg`.
   */
  pageSize?: number;
  /** Input (iova) address bits. */
  ias: number;
  /** Output (physical) address bits. */
  oas: number;
  /** The walker snoops CPU caches: selects the TCR/TRANSTAB cacheability and table SW_SYNC bit. */
  coherentWalk: boolean;
  /** TLB maintenance callbacks. */
  tlb?: IommuFlushOps<C>;
  /** Page-table memory: views for every table, and pages when no custom allocator is given. */
  memory: PageTableMemory;
  /**
   * Custom table allocator (`cfg->alloc`, as panthor uses): returns the physical address of a
   * zeroed region of at least `size` bytes inside `memory`, aligned to `size` when that is more
   * than 4 KiB (a 16 or 64 KiB table, which `memory.blockU32` must then view), or null. Needs
   * `free`.
   */
  alloc?: (cookie: C, size: number) => number | null;
  /** Custom table release (`cfg->free`) for pages from `alloc`. Needs `alloc`. */
  free?: (cookie: C, pa: number, size: number) => void;
  /** Table allocation/free observer (debugging, accounting). */
  observer?: IoPgtableObserver;
  /** Sink for kernel WARN_ON conditions. */
  warnings?: IoPgtableWarnSink;
  /** Output: stage-1 registers, set by a successful `ARM_64_LPAE_S1` allocation. */
  s1?: ArmLpaeS1Outputs;
  /** Output: Mali registers, set by a successful `ARM_MALI_LPAE` allocation. */
  mali?: ArmMaliLpaeOutputs;
}

/**
 * What `alloc_io_pgtable_ops` computes before it allocates anything: the adjusted page-size
 * bitmap and address sizes, the start level and the root (pgd) size. `bigint` is used here only
 * because a caller's bitmap may have bits above 2^31; this runs once per table, never per PTE.
 */

/** 4 KiB granule bitmap and its block sizes. */
const SIZES_4K = 0x1000n | 0x200000n | 0x40000000n;
const SZ_4K = 0x1000n;
const SZ_16K = 0x4000n;
const SZ_64K = 0x10000n;
const PAGE_MASK_LOW = 0xfffn;

/** Result of {@link restrictPgsizes}. */
export interface RestrictedSizes {
  /** The granule chosen (4096, 16384, 65536) or 0 when none fits. */
  granule: number;
  /** The adjusted bitmap. */
  pgsizeBitmap: number;
  /** The clamped input address size. */
  ias: number;
  /** The clamped output address size. */
  oas: number;
}

function lowestBit(v: bigint): bigint {
  return v & -v;
}

function highestBit(v: bigint): bigint {
  let b = 1n;
  while (b <= v >> 1n) b <<= 1n;
  return b;
}

/**
 * Picks the granule from a page-size bitmap and keeps only that granule's sizes, clamping ias
 * and oas to the granule's maximum address size. Mirrors arm_lpae_restrict_pgsizes() on a
 * kernel with 4 KiB CPU pages.
 */
export function restrictPgsizes(
  pgsizeBitmap: number | bigint,
  ias: number,
  oas: number,
): RestrictedSizes {
  const bm = BigInt.asUintN(64, BigInt(pgsizeBitmap));
  let granule: bigint;
  if (bm & SZ_4K) granule = SZ_4K;
  else if (bm & PAGE_MASK_LOW) granule = highestBit(bm & PAGE_MASK_LOW);
  else if (bm & ~PAGE_MASK_LOW) granule = lowestBit(bm & ~PAGE_MASK_LOW);
  else granule = 0n;
  let maxBits = 48;
  let sizes: bigint;
  if (granule === SZ_4K) sizes = SIZES_4K;
  else if (granule === SZ_16K) sizes = SZ_16K | 0x2000000n;
  else if (granule === SZ_64K) {
    maxBits = 52;
    sizes = SZ_64K | 0x20000000n;
    if (oas > 48) sizes |= 1n << 42n;
  } else sizes = 0n;
  return {
    granule: sizes === 0n ? 0 : Number(granule),
    pgsizeBitmap: Number(bm & sizes),
    ias: Math.min(ias, maxBits),
    oas: Math.min(oas, maxBits),
  };
}

/** Table geometry for the 4 KiB granule. */
export interface LpaeGeometry {
  /** Level of the root table (0..3). */
  startLevel: number;
  /** Number of levels walked: 4 − startLevel. */
  levels: number;
  /** Index bits resolved by the root table. */
  pgdBits: number;
  /** Entries in the root table: 2^pgdBits. */
  pgdEntries: number;
  /** Root table size in bytes: 8 × pgdEntries. */
  pgdSizeBytes: number;
}

/**
 * Start level and root size for `ias` with the 4 KiB granule (9 bits per level). Mirrors the
 * geometry part of arm_lpae_alloc_pgtable(). `forceFourLevels` applies the Mali rule: a start
 * level above 0 becomes 0 with a one-entry root.
 */
export function lpaeGeometry(ias: number, forceFourLevels: boolean): LpaeGeometry {
  const vaBits = ias - 12;
  const levels = Math.ceil(vaBits / 9);
  let startLevel = 4 - levels;
  let pgdBits = vaBits - 9 * (levels - 1);
  if (forceFourLevels && startLevel > 0) {
    startLevel = 0;
    pgdBits = 0;
  }
  return {
    startLevel,
    levels: 4 - startLevel,
    pgdBits,
    pgdEntries: 2 ** pgdBits,
    pgdSizeBytes: 8 * 2 ** pgdBits,
  };
}

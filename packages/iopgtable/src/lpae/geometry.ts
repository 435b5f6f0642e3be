/**
 * What `alloc_io_pgtable_ops` computes before it allocates anything: the granule, the adjusted
 * page-size bitmap and address sizes, the start level and the root (pgd) size. `bigint` is used
 * here only because a caller's bitmap may have bits above 2^31; this runs once per table, never
 * per PTE.
 */

/** Sizes each granule allows (`arm_lpae_restrict_pgsizes()`): the page, then its block sizes. */
const SIZES_4K = 0x1000n | 0x200000n | 0x40000000n;
const SIZES_16K = 0x4000n | 0x2000000n;
const SIZES_64K = 0x10000n | 0x20000000n;
/** The 64 KiB granule's level-1 block (4 TiB), allowed only when oas > 48. */
const SZ_4T = 1n << 42n;
const SZ_4K = 0x1000n;
const SZ_16K = 0x4000n;
const SZ_64K = 0x10000n;

/** The kernel's `PAGE_SIZE` when a caller gives none: a 4 KiB-page kernel. */
export const DEFAULT_PAGE_SIZE = 4096;

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
 * and oas to the granule's maximum address size (48 bits, 52 for 64 KiB). The granule is the
 * kernel's `PAGE_SIZE` when the bitmap has it, else the largest size below `PAGE_SIZE`, else the
 * smallest size above it; anything but 4, 16 or 64 KiB empties the bitmap. `pageSize` is the
 * simulated kernel's `PAGE_SIZE` (a power of two, default 4096). Mirrors
 * arm_lpae_restrict_pgsizes().
 */
export function restrictPgsizes(
  pgsizeBitmap: number | bigint,
  ias: number,
  oas: number,
  pageSize: number = DEFAULT_PAGE_SIZE,
): RestrictedSizes {
  const bm = BigInt.asUintN(64, BigInt(pgsizeBitmap));
  const page = BigInt(pageSize);
  const below = page - 1n;
  let granule: bigint;
  if (bm & page) granule = page;
  else if (bm & below) granule = highestBit(bm & below);
  else if (bm & ~below) granule = lowestBit(bm & ~below);
  else granule = 0n;
  let maxBits = 48;
  let sizes: bigint;
  if (granule === SZ_4K) sizes = SIZES_4K;
  else if (granule === SZ_16K) sizes = SIZES_16K;
  else if (granule === SZ_64K) {
    maxBits = 52;
    sizes = SIZES_64K;
    if (oas > 48) sizes |= SZ_4T;
  } else sizes = 0n;
  return {
    granule: sizes === 0n ? 0 : Number(granule),
    pgsizeBitmap: Number(bm & sizes),
    ias: Math.min(ias, maxBits),
    oas: Math.min(oas, maxBits),
  };
}

/** Table geometry of one granule and input size. */
export interface LpaeGeometry {
  /** Translation granule in bytes: the page size and the size of every non-root table. */
  granule: number;
  /** log2(granule): the iova bit where the level-3 index starts. */
  pgShift: number;
  /** Index bits per full table: pgShift − 3 (9, 11 or 13). */
  bitsPerLevel: number;
  /** Entries of a full table: 2^bitsPerLevel. */
  ptesPerTable: number;
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
 * Start level and root size for `ias` with `granule` (4, 16 or 64 KiB; `log2(granule) − 3` bits
 * per level). Mirrors the geometry part of arm_lpae_alloc_pgtable(). `forceFourLevels` applies
 * the Mali rule: a start level above 0 becomes 0 with a one-entry root.
 */
export function lpaeGeometry(
  ias: number,
  forceFourLevels: boolean,
  granule: number = DEFAULT_PAGE_SIZE,
): LpaeGeometry {
  const pgShift = Math.log2(granule);
  const bitsPerLevel = pgShift - 3;
  const vaBits = ias - pgShift;
  const levels = Math.ceil(vaBits / bitsPerLevel);
  let startLevel = 4 - levels;
  let pgdBits = vaBits - bitsPerLevel * (levels - 1);
  if (forceFourLevels && startLevel > 0) {
    startLevel = 0;
    pgdBits = 0;
  }
  return {
    granule,
    pgShift,
    bitsPerLevel,
    ptesPerTable: 2 ** bitsPerLevel,
    startLevel,
    levels: 4 - startLevel,
    pgdBits,
    pgdEntries: 2 ** pgdBits,
    pgdSizeBytes: 8 * 2 ** pgdBits,
  };
}

/**
 * Bytes the kernel's page allocator hands out for a table of `size` bytes on a kernel with
 * `pageSize`-byte pages: `PAGE_SIZE << get_order(size)`.
 */
export function tableAllocationBytes(size: number, pageSize: number = DEFAULT_PAGE_SIZE): number {
  let bytes = pageSize;
  while (bytes < size) bytes *= 2;
  return bytes;
}

/**
 * iova bit where the index of a level-`level` table starts, which is also log2 of the bytes one
 * of its entries maps: pgShift + bitsPerLevel × (3 − level). Mirrors ARM_LPAE_LVL_SHIFT().
 */
export function levelShift(granule: number, level: number): number {
  const pgShift = Math.log2(granule);
  return pgShift + (pgShift - 3) * (3 - level);
}

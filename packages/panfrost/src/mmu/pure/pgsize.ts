/**
 * Choice of the next map/unmap chunk: 2 MiB blocks where address and size allow, 4 KiB pages
 * otherwise, never crossing the page-table boundary of the chosen size.
 */

/** 4 KiB: the small page size. */
export const SZ_4K = 0x1000;
/** 2 MiB: the block size used for huge mappings and heap growth. */
export const SZ_2M = 0x200000;
/** 1 GiB: the span of one level-1 table entry (the limit of a 2 MiB block run). */
export const SZ_1G = 0x40000000;

/** Result of {@link getPgsize}. */
export interface PgsizeChunk {
  /** Page size to use: {@link SZ_4K} or {@link SZ_2M}. */
  pgsize: number;
  /** How many pages of `pgsize` the chunk holds (may be 0 for a zero size). */
  count: number;
}

/**
 * Picks the page size and count for the next chunk of `[addr, addr + size)`, where `addr` is the
 * OR of the IOVA and the physical address (so a block is only used when both are aligned).
 * Addresses and sizes are non-negative safe integers (the driver's domain: <= 48 bits).
 *
 * Mirrors get_pgsize() of panfrost_mmu.c.
 */
export function getPgsize(addr: number, size: number): PgsizeChunk {
  const to2m = (SZ_2M - (addr % SZ_2M)) % SZ_2M;
  if (to2m !== 0 || size < SZ_2M) {
    // Distance to the next 2 MiB boundary, unless that is zero (then the size decides).
    const limit = to2m === 0 ? size : size === 0 ? to2m : Math.min(to2m, size);
    return { pgsize: SZ_4K, count: Math.floor(limit / SZ_4K) };
  }
  const to1g = (SZ_1G - (addr % SZ_1G)) % SZ_1G || SZ_1G;
  return { pgsize: SZ_2M, count: Math.floor(Math.min(to1g, size) / SZ_2M) };
}

const U64 = (1n << 64n) - 1n;

/**
 * Same as {@link getPgsize} over the full unsigned 64-bit domain with the kernel's wrap-around
 * arithmetic (used for exact conformance with the kernel's u64 code; not a hot path).
 *
 * Mirrors get_pgsize() of panfrost_mmu.c.
 */
export function getPgsizeU64(addr: bigint, size: bigint): { pgsize: bigint; count: bigint } {
  const neg = -addr & U64;
  const blk = neg & BigInt(SZ_2M - 1);
  if (blk !== 0n || size < BigInt(SZ_2M)) {
    const limit = blk === 0n ? size : size === 0n ? blk : blk < size ? blk : size;
    return { pgsize: BigInt(SZ_4K), count: limit / BigInt(SZ_4K) };
  }
  let to1g = neg & BigInt(SZ_1G - 1);
  if (to1g === 0n) to1g = BigInt(SZ_1G);
  const span = to1g < size ? to1g : size;
  return { pgsize: BigInt(SZ_2M), count: span / BigInt(SZ_2M) };
}

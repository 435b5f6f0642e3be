/** The chunking of map/unmap runs into 4 KiB pages and 2 MiB blocks. */
import { u64 } from "./u64.js";

const SZ_4K = 0x1000n;
const SZ_2M = 0x200000n;
const SZ_1G = 0x40000000n;

/** One chunk of a map/unmap run. */
export interface PgsizeChunk {
  /** Page size for the chunk: 4 KiB or 2 MiB. */
  readonly pgsize: bigint;
  /** Number of pages of `pgsize` in the chunk (may be 0 when size is 0). */
  readonly count: bigint;
}

/**
 * Picks the page size and page count of the next chunk at `addr` (the caller passes
 * `iova | paddr` so both must be aligned) for at most `size` bytes: 4 KiB pages up to the next
 * 2 MiB boundary when `addr` is not 2 MiB aligned or size is under 2 MiB, otherwise 2 MiB blocks up
 * to the next 1 GiB boundary. Mirrors get_pgsize().
 */
export function getPgsize(addr: bigint, size: bigint): PgsizeChunk {
  const neg = u64(-addr);
  const blk = neg % SZ_2M;
  if (blk !== 0n || size < SZ_2M) {
    const span = blk === 0n ? size : size === 0n ? blk : blk < size ? blk : size;
    return { pgsize: SZ_4K, count: span / SZ_4K };
  }
  const toGiB = neg % SZ_1G;
  const span = toGiB === 0n ? SZ_1G : toGiB;
  return { pgsize: SZ_2M, count: (span < size ? span : size) / SZ_2M };
}

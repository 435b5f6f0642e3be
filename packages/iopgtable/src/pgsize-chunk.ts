/**
 * How the Mali drivers split a run into `mapPages`/`unmapPages` calls: 2 MiB blocks where the
 * address and the size allow, 4 KiB pages otherwise, never crossing the boundary of the table
 * the chosen size lives in. Both panfrost and panthor carry this as get_pgsize(); it lives here,
 * next to the calls it feeds.
 */
import { SZ_1G, SZ_2M, SZ_4K } from "./constants.js";

/** Result of {@link pgsizeChunk}. */
export interface PgsizeChunk {
  /** Page size to use: 4 KiB or 2 MiB. */
  pgsize: number;
  /** How many pages of `pgsize` the chunk holds (0 for a zero size). */
  count: number;
}

/** Result of {@link pgsizeChunkU64}. */
export interface PgsizeChunkU64 {
  /** Page size to use: 4 KiB or 2 MiB. */
  pgsize: bigint;
  /** How many pages of `pgsize` the chunk holds (0 for a zero size). */
  count: bigint;
}

/**
 * The page size and count of the next chunk of `[addr, addr + size)`, where `addr` is the OR of
 * the IOVA and the physical address (so a block is used only when both are aligned): 4 KiB pages
 * up to the next 2 MiB boundary (or the size, whichever is smaller, a zero distance ignored) when
 * `addr` is not 2 MiB aligned or the size is under 2 MiB; else 2 MiB blocks up to the next 1 GiB
 * boundary or the size. Counts round down. Non-negative safe integers (the drivers' domain).
 * Mirrors get_pgsize() (panfrost_mmu.c, panthor_mmu.c).
 */
export function pgsizeChunk(addr: number, size: number): PgsizeChunk {
  const to2m = (SZ_2M - (addr % SZ_2M)) % SZ_2M;
  if (to2m !== 0 || size < SZ_2M) {
    const limit = to2m === 0 ? size : size === 0 ? to2m : Math.min(to2m, size);
    return { pgsize: SZ_4K, count: Math.floor(limit / SZ_4K) };
  }
  const to1g = (SZ_1G - (addr % SZ_1G)) % SZ_1G || SZ_1G;
  return { pgsize: SZ_2M, count: Math.floor(Math.min(to1g, size) / SZ_2M) };
}

const U64_MASK = (1n << 64n) - 1n;
const SZ_4K_N = BigInt(SZ_4K);
const SZ_2M_N = BigInt(SZ_2M);
const SZ_1G_N = BigInt(SZ_1G);

/** {@link pgsizeChunk} over the full u64 domain with the kernel's wrap-around arithmetic. */
export function pgsizeChunkU64(addr: bigint, size: bigint): PgsizeChunkU64 {
  const neg = -addr & U64_MASK;
  const blk = neg % SZ_2M_N;
  if (blk !== 0n || size < SZ_2M_N) {
    const limit = blk === 0n ? size : size === 0n ? blk : blk < size ? blk : size;
    return { pgsize: SZ_4K_N, count: limit / SZ_4K_N };
  }
  const to1g = neg % SZ_1G_N === 0n ? SZ_1G_N : neg % SZ_1G_N;
  return { pgsize: SZ_2M_N, count: (to1g < size ? to1g : size) / SZ_2M_N };
}

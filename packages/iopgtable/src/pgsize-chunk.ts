/**
 * How the Mali drivers split a run into `mapPages`/`unmapPages` calls: 2 MiB blocks where the
 * address and the size allow, 4 KiB pages otherwise, never crossing the boundary of the table
 * the chosen size lives in. Both panfrost and panthor carry this as get_pgsize(); it lives here,
 * next to the calls it feeds. The same rule one granule up (16 KiB pages and 32 MiB blocks,
 * 64 KiB pages and 512 MiB blocks) serves ARM_64_LPAE_S1 tables of the larger granules.
 */
import { SZ_4K } from "./constants.js";

/** Result of {@link pgsizeChunk}. */
export interface PgsizeChunk {
  /** Page size to use: the granule's page (4 KiB by default) or its level-2 block (2 MiB). */
  pgsize: number;
  /** How many pages of `pgsize` the chunk holds (0 for a zero size). */
  count: number;
}

/** Result of {@link pgsizeChunkU64}. */
export interface PgsizeChunkU64 {
  /** Page size to use: the granule's page (4 KiB by default) or its level-2 block (2 MiB). */
  pgsize: bigint;
  /** How many pages of `pgsize` the chunk holds (0 for a zero size). */
  count: bigint;
}

/**
 * The page size and count of the next chunk of `[addr, addr + size)`, where `addr` is the OR of
 * the IOVA and the physical address (so a block is used only when both are aligned): pages up
 * to the next block boundary (or the size, whichever is smaller, a zero distance ignored) when
 * `addr` is not block aligned or the size is under one block; else blocks up to the next
 * boundary of a level-1 entry or the size. Counts round down. Non-negative safe integers (the
 * drivers' domain).
 *
 * `granule` (4096, 16384 or 65536; default 4096, the only one the drivers use) sets the sizes:
 * a block is granule²/8 bytes (2 MiB, 32 MiB, 512 MiB) and a level-1 entry granule/8 blocks
 * (1 GiB, 64 GiB, 4 TiB). Mirrors get_pgsize() (panfrost_mmu.c, panthor_mmu.c).
 */
export function pgsizeChunk(addr: number, size: number, granule: number = SZ_4K): PgsizeChunk {
  const block = (granule * granule) / 8;
  const toBlock = (block - (addr % block)) % block;
  if (toBlock !== 0 || size < block) {
    const limit = toBlock === 0 ? size : size === 0 ? toBlock : Math.min(toBlock, size);
    return { pgsize: granule, count: Math.floor(limit / granule) };
  }
  const span = (block * granule) / 8;
  const toSpan = (span - (addr % span)) % span || span;
  return { pgsize: block, count: Math.floor(Math.min(toSpan, size) / block) };
}

/**
 * The bitwise OR of two non-negative safe integers (a JS `|` keeps only 32 bits): what the
 * drivers feed {@link pgsizeChunk} as `iova | paddr`, so a block needs both aligned.
 */
export function orAddr(a: number, b: number): number {
  const hi = (Math.floor(a / 0x1_0000_0000) | Math.floor(b / 0x1_0000_0000)) >>> 0;
  const lo = ((a >>> 0) | (b >>> 0)) >>> 0;
  return hi * 0x1_0000_0000 + lo;
}

const U64_MASK = (1n << 64n) - 1n;
const SZ_4K_N = BigInt(SZ_4K);

/** {@link pgsizeChunk} over the full u64 domain with the kernel's wrap-around arithmetic. */
export function pgsizeChunkU64(
  addr: bigint,
  size: bigint,
  granule: bigint = SZ_4K_N,
): PgsizeChunkU64 {
  const block = (granule * granule) / 8n;
  const neg = -addr & U64_MASK;
  const toBlock = neg % block;
  if (toBlock !== 0n || size < block) {
    const limit = toBlock === 0n ? size : size === 0n ? toBlock : toBlock < size ? toBlock : size;
    return { pgsize: granule, count: limit / granule };
  }
  const span = (block * granule) / 8n;
  const toSpan = neg % span === 0n ? span : neg % span;
  return { pgsize: block, count: (toSpan < size ? toSpan : size) / block };
}

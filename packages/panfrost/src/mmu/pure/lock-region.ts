/**
 * Encoding of the MMU LOCK region (AS_LOCKADDR): the smallest naturally aligned power-of-two
 * block, at least 32 KiB, that covers `[start, start + size)`.
 */

/** Smallest lockable region: 32 KiB (log2 = 15). */
export const AS_LOCK_REGION_MIN_SIZE_LOG2 = 15;

/** An AS_LOCKADDR value as two u32 halves plus the decoded region. */
export interface LockRegion {
  /** Low 32 bits of AS_LOCKADDR (aligned start bits | width in bits 5:0). */
  lo: number;
  /** High 32 bits of AS_LOCKADDR. */
  hi: number;
  /** Encoded width: the region covers 2^(width + 1) bytes. */
  width: number;
  /** First byte of the locked region (start rounded down to the region size). */
  lockedStart: number;
}

const TWO32 = 0x1_0000_0000;

/** Highest set bit position plus one (0 for 0) of a non-negative safe integer. */
export function fls(x: number): number {
  if (x <= 0) return 0;
  const hi = Math.floor(x / TWO32);
  if (hi !== 0) return 64 - Math.clz32(hi);
  return 32 - Math.clz32(x >>> 0);
}

/** XOR of two non-negative safe integers (bitwise, over 53 bits). */
function xor53(a: number, b: number): number {
  const hi = (Math.floor(a / TWO32) ^ Math.floor(b / TWO32)) >>> 0;
  const lo = ((a >>> 0) ^ (b >>> 0)) >>> 0;
  return hi * TWO32 + lo;
}

/**
 * The LOCK region for `[start, start + size)`, or null for `size === 0` (the kernel then writes
 * nothing and issues no LOCK). `start + size` must stay a safe integer (the driver's domain).
 *
 * Mirrors lock_region() of panfrost_mmu.c (the corrected encoding that also handles ranges
 * that are not aligned to their size).
 */
export function lockRegion(start: number, size: number): LockRegion | null {
  if (size === 0) return null;
  const end = start + size - 1;
  const width = Math.max(fls(xor53(start, end)), AS_LOCK_REGION_MIN_SIZE_LOG2) - 1;
  const block = 2 ** width;
  const lockedStart = Math.floor(start / block) * block;
  const lo = ((lockedStart >>> 0) | width) >>> 0;
  const hi = Math.floor(lockedStart / TWO32) >>> 0;
  return { lo, hi, width, lockedStart };
}

const U64 = (1n << 64n) - 1n;

/**
 * {@link lockRegion} over the full u64 domain with the kernel's wrap-around for `start + size`
 * (conformance helper). Returns the 64-bit AS_LOCKADDR value and width, or null for size 0.
 *
 * Mirrors lock_region() of panfrost_mmu.c.
 */
export function lockRegionU64(
  start: bigint,
  size: bigint,
): { lockaddr: bigint; width: number } | null {
  if (size === 0n) return null;
  const end = (start + size - 1n) & U64;
  const diff = start ^ end;
  const flsDiff = diff === 0n ? 0 : diff.toString(2).length;
  const width = Math.max(flsDiff, AS_LOCK_REGION_MIN_SIZE_LOG2) - 1;
  const aligned = start & ~((1n << BigInt(width)) - 1n) & U64;
  return { lockaddr: aligned | BigInt(width), width };
}

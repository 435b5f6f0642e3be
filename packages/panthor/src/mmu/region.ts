/**
 * The MMU LOCK region: the naturally aligned power-of-two block of GPU VA that AS_COMMAND_LOCK
 * makes GPU accesses wait on, and its AS_LOCKADDR encoding (base address | width, where the
 * block is 2^(width+1) bytes and the smallest block is 32 KiB).
 */
import { fls64, u64 } from "./u64.js";

/** log2 of the smallest lockable region (AS_LOCK_REGION_MIN_SIZE = 32 KiB). */
export const LOCK_REGION_MIN_SIZE_LOG2 = 15;

/** A LOCK region as the hardware sees it. */
export interface LockRegion {
  /** The AS_LOCKADDR value: region base with `width` in bits 0..5. */
  readonly lockaddr: bigint;
  /** Encoded width: the region covers 2^(width+1) bytes. */
  readonly width: number;
  /** First byte of the locked region (start rounded down to 2^width). */
  readonly start: bigint;
  /** Size of the locked region, 2^(width+1) (2^64 when width is 63). */
  readonly size: bigint;
}

/**
 * Encodes the smallest hardware lock region covering [start, start + size), size > 0. The width is
 * one less than the bit length of `start ^ (end - 1)`, at least that of the 32 KiB minimum.
 * Mirrors the encoding inside lock_region() / pack_region_range().
 */
export function encodeLockRegion(start: bigint, size: bigint): LockRegion {
  const s = u64(start);
  const last = u64(s + size - 1n);
  const width = Math.max(fls64(s ^ last), LOCK_REGION_MIN_SIZE_LOG2) - 1;
  const base = s & ~((1n << BigInt(width)) - 1n);
  return { lockaddr: base | BigInt(width), width, start: base, size: 1n << BigInt(width + 1) };
}

/** Result of {@link packRegionRange}. */
export interface PackedRegion {
  /** The AS_LOCKADDR value (0 for a size-0 request). */
  readonly lockaddr: bigint;
  /** Region start after rounding (the request's start for size 0). */
  readonly start: bigint;
  /** Region size after rounding (0 for a size-0 request). */
  readonly size: bigint;
  /** Whether the kernel would WARN (size-0 request). */
  readonly warned: boolean;
}

/**
 * Packs [start, start + size) into an AS_LOCKADDR value and hands back the region the hardware
 * will really lock. A size-0 request warns and returns lockaddr 0 with the range unchanged.
 * Mirrors pack_region_range() of the atomic page-table update series.
 */
export function packRegionRange(start: bigint, size: bigint): PackedRegion {
  if (size === 0n) return { lockaddr: 0n, start, size, warned: true };
  const r = encodeLockRegion(start, size);
  return { lockaddr: r.lockaddr, start: r.start, size: r.size, warned: false };
}

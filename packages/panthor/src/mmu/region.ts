/**
 * The region AS_COMMAND_LOCK locks for a VM operation. The AS_LOCKADDR encoding itself is
 * `@panmmu/hw`'s `encodeLockAddrU64`; this adds what panthor's atomic page-table updates need:
 * the rounded region handed back to the caller.
 */
import { encodeLockAddrU64 } from "@panmmu/hw";

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
  const r = encodeLockAddrU64(start, size);
  if (r === null) return { lockaddr: 0n, start, size, warned: true };
  return { lockaddr: r.lockaddr, start: r.lockedStart, size: r.lockedSize, warned: false };
}

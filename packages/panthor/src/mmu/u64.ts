/**
 * Exact unsigned 64-bit helpers for the panthor MMU's address arithmetic, which the kernel does
 * in `u64` with wrap-around. These run once per VM operation, never per page, so `bigint` is fine.
 */

/** 2^64 - 1. */
export const U64_MAX = (1n << 64n) - 1n;

/** Reduces a value modulo 2^64 (the kernel's u64 wrap-around). */
export function u64(v: bigint): bigint {
  return v & U64_MAX;
}

/** Rounds `v` up to a multiple of the power of two `align`, modulo 2^64. Mirrors ALIGN(). */
export function alignUp(v: bigint, align: bigint): bigint {
  return u64(v + align - 1n) & ~(align - 1n) & U64_MAX;
}

/** Rounds `v` down to a multiple of the power of two `align`. Mirrors ALIGN_DOWN(). */
export function alignDown(v: bigint, align: bigint): bigint {
  return u64(v) & ~(align - 1n) & U64_MAX;
}

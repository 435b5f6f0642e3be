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

/** Position of the most significant set bit, counting from 1; 0 for 0. Mirrors fls64(). */
export function fls64(v: bigint): number {
  let n = 0;
  let x = u64(v);
  while (x > 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

/** Rounds `v` up to a multiple of the power of two `align`, modulo 2^64. Mirrors ALIGN(). */
export function alignUp(v: bigint, align: bigint): bigint {
  return u64(v + align - 1n) & ~(align - 1n) & U64_MAX;
}

/** Rounds `v` down to a multiple of the power of two `align`. Mirrors ALIGN_DOWN(). */
export function alignDown(v: bigint, align: bigint): bigint {
  return u64(v) & ~(align - 1n) & U64_MAX;
}

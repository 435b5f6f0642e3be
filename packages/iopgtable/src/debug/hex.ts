/**
 * Hex formatting of 64-bit values in the golden vectors' style (`0x` + 16 lowercase digits).
 */

/** Formats a lo/hi pair as `0x` + 16 hex digits. */
export function hex64LoHi(lo: number, hi: number): string {
  return `0x${(hi >>> 0).toString(16).padStart(8, "0")}${(lo >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * Formats a non-negative integer (number below 2^64, or bigint, reduced modulo 2^64) as `0x` +
 * 16 hex digits. Negative values are written in two's complement, like a C `size_t`.
 */
export function hex64(v: number | bigint): string {
  const b = BigInt.asUintN(64, typeof v === "bigint" ? v : BigInt(v));
  return `0x${b.toString(16).padStart(16, "0")}`;
}

/** Splits a 64-bit value (bigint, number or hex/decimal string) into lo/hi u32 halves. */
export function splitU64(v: bigint | number | string): { lo: number; hi: number } {
  const b = BigInt.asUintN(64, BigInt(v));
  return { lo: Number(b & 0xffffffffn), hi: Number(b >> 32n) };
}

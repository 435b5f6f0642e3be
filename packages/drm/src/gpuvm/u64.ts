/**
 * Exact unsigned 64-bit arithmetic for GPU VA values, fast on the common path.
 *
 * The kernel's drm_gpuvm works in `u64` and wraps modulo 2^64. JavaScript numbers are exact only
 * up to 2^53 - 1, so a {@link U64} is held in a *normalized* form: a `number` whenever the value
 * is at most `Number.MAX_SAFE_INTEGER`, a `bigint` otherwise. Because every value has exactly one
 * representation, `===` compares two U64 values correctly, and `<`, `<=`, `>` and `>=` are exact
 * between any two of them (JavaScript compares a number with a bigint by value). Drivers, whose
 * addresses stay below 2^48, only ever see and pay for plain numbers; the bigint branch is taken
 * only when a value or an intermediate sum really leaves the safe-integer range.
 */

/**
 * An unsigned 64-bit value in normalized form: a safe-integer `number` for values up to
 * 2^53 - 1, a `bigint` in [2^53, 2^64) otherwise. Produce one with {@link toU64}.
 */
export type U64 = number | bigint;

/**
 * What u64 parameters of the public API accept: a non-negative safe-integer `number`, or a
 * `bigint` in [0, 2^64) (needed only for values of 2^53 and above). Other values are rejected
 * the way the entry point documents (usually `-EINVAL`, `false` or `null`).
 */
export type U64Input = number | bigint;

/** The largest u64 value, 2^64 - 1. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

const SAFE_MAX = Number.MAX_SAFE_INTEGER;
const SAFE_MAX_BIG = BigInt(SAFE_MAX);
const MOD_MASK = U64_MAX;

/** Brings an exact bigint in [0, 2^64) to normalized form. */
function fromBig(x: bigint): U64 {
  return x <= SAFE_MAX_BIG ? Number(x) : x;
}

/**
 * Validates and normalizes a caller-supplied u64: a non-negative safe-integer `number`, or a
 * `bigint` in [0, 2^64). Returns `null` for anything else (negative, fractional, NaN, a number
 * beyond 2^53 - 1 that may already have been rounded, or a bigint of 2^64 or more).
 */
export function toU64(v: unknown): U64 | null {
  if (typeof v === "number") {
    return Number.isSafeInteger(v) && v >= 0 ? v : null;
  }
  if (typeof v === "bigint") {
    return v >= 0n && v <= U64_MAX ? fromBig(v) : null;
  }
  return null;
}

/** The exact value of a U64 as a bigint (for printing, hashing and ABI edges). */
export function u64ToBigInt(v: U64): bigint {
  return typeof v === "bigint" ? v : BigInt(v);
}

/** `a + b` modulo 2^64, as the kernel's u64 addition. */
export function u64Add(a: U64, b: U64): U64 {
  if (typeof a === "number" && typeof b === "number") {
    const s = a + b;
    // Both operands are below 2^53, so a true sum above the safe range also rounds above it.
    if (s <= SAFE_MAX) return s;
  }
  return fromBig((u64ToBigInt(a) + u64ToBigInt(b)) & MOD_MASK);
}

/** `a - b` modulo 2^64, as the kernel's u64 subtraction (wraps when `b > a`). */
export function u64Sub(a: U64, b: U64): U64 {
  if (typeof a === "number" && typeof b === "number" && a >= b) return a - b;
  return fromBig((u64ToBigInt(a) - u64ToBigInt(b)) & MOD_MASK);
}

/** True when `a + b` does not fit in 64 bits, as the kernel's `check_add_overflow()` on u64. */
export function u64AddOverflows(a: U64, b: U64): boolean {
  if (typeof a === "number" && typeof b === "number") return false;
  return u64ToBigInt(a) + u64ToBigInt(b) > U64_MAX;
}

/** The larger of two U64 values. */
export function u64Max(a: U64, b: U64): U64 {
  return a >= b ? a : b;
}

/** Lowercase `0x…` hex rendering of a U64, the golden vectors' notation. */
export function u64Hex(v: U64): string {
  return `0x${v.toString(16)}`;
}

/**
 * The two integer representations a {@link DrmMmCore} can run on.
 *
 * The kernel's drm_mm computes in u64 and lets a few expressions wrap modulo 2^64 (inverted
 * ranges, round-ups past the top, a manager ending at 2^64 - 1). {@link BIGINT_ARITH} reproduces
 * that exactly for any u64. {@link NUMBER_ARITH} is the fast path: it accepts only non-negative
 * safe integers (< 2^53) and its managed range must end below `Number.MAX_SAFE_INTEGER`.
 * Within that domain no kernel expression can reach 2^64, and the only expressions whose u64
 * value would wrap are the "is `a - b` (mod 2^64) below `size`" tests, which
 * {@link U64Arith.diffBelow} answers exactly. So the number path returns the kernel's results
 * bit for bit without ever allocating.
 */

/** Largest u64 value, 2^64 - 1. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Indexed storage of `T` values: a `Float64Array` for numbers, a plain array for bigint. */
export interface KeyArray<T> {
  [index: number]: T;
  /** Number of entries. */
  readonly length: number;
}

/** Integer operations used by the allocator, for one representation `T`. */
export interface U64Arith<T extends number | bigint> {
  /** Name used in messages: `"number"` or `"bigint"`. */
  readonly kind: "number" | "bigint";
  /** Zero. */
  readonly zero: T;
  /** One. */
  readonly one: T;
  /** The largest representable address: `U64_MAX` for bigint, `Number.MAX_SAFE_INTEGER` for number. */
  readonly max: T;
  /** `a + b`, wrapping modulo 2^64 (bigint). */
  add(a: T, b: T): T;
  /** `a - b`, wrapping modulo 2^64 (bigint). On the number path callers only use it when `a >= b`. */
  sub(a: T, b: T): T;
  /** `-a` modulo 2^64 (the kernel's `head_node.size = -size`). On the number path a plain negation. */
  neg(a: T): T;
  /** `a mod m` for `m > 0` (the kernel's `div64_u64_rem` or power-of-two mask). */
  rem(a: T, m: T): T;
  /** Whether `(a - b) mod 2^64 < size`. */
  diffBelow(a: T, b: T, size: T): boolean;
  /** Whether `v` is a value of this representation in the accepted domain (a u64, or a non-negative safe integer). */
  valid(v: unknown): v is T;
  /** Converts to bigint (for dumps and messages). */
  toBigInt(v: T): bigint;
  /** Converts from a bigint that lies in the domain. */
  fromBigInt(v: bigint): T;
  /** A zero-filled key array of `length` entries holding the first `old.length` entries of `old`. */
  keys(length: number, old?: KeyArray<T>): KeyArray<T>;
}

/** Exact u64 arithmetic on bigint, with the kernel's wrap-around. */
export const BIGINT_ARITH: U64Arith<bigint> = {
  kind: "bigint",
  zero: 0n,
  one: 1n,
  max: U64_MAX,
  add: (a, b) => (a + b) & U64_MAX,
  sub: (a, b) => (a - b) & U64_MAX,
  neg: (a) => -a & U64_MAX,
  rem: (a, m) => a % m,
  diffBelow: (a, b, size) => ((a - b) & U64_MAX) < size,
  valid: (v: unknown): v is bigint => typeof v === "bigint" && v >= 0n && v <= U64_MAX,
  toBigInt: (v) => v,
  fromBigInt: (v) => v,
  keys(length, old) {
    const a = new Array<bigint>(length).fill(0n);
    if (old !== undefined) for (let i = 0; i < old.length; i++) a[i] = old[i] as bigint;
    return a;
  },
};

/** Fast arithmetic on non-negative safe integers; exact for every result the kernel can produce in that domain. */
export const NUMBER_ARITH: U64Arith<number> = {
  kind: "number",
  zero: 0,
  one: 1,
  max: Number.MAX_SAFE_INTEGER,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  neg: (a) => -a,
  rem: (a, m) => a % m,
  // In u64 a negative difference wraps to at least 2^64 - 2^54, far above any size.
  diffBelow: (a, b, size) => a >= b && a - b < size,
  valid: (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0,
  toBigInt: (v) => BigInt(v),
  fromBigInt: (v) => Number(v),
  keys(length, old) {
    const a = new Float64Array(length);
    if (old !== undefined) a.set(old as Float64Array);
    return a;
  },
};

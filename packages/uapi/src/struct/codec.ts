/** The codec contract every UAPI struct satisfies. */

/**
 * Byte-exact encoder/decoder of one kernel UAPI struct.
 *
 * `encode` yields exactly `size` bytes, little-endian, with every padding byte zero.
 * `decode` of a buffer whose length differs from `size` throws `KernelError` (EINVAL).
 */
export interface StructCodec<T> {
  /** Kernel struct name without the `struct` keyword, e.g. `drm_panthor_vm_bind`. */
  readonly name: string;
  /** `sizeof(struct name)` on LP64 Linux. */
  readonly size: number;
  /** Encodes `value` into a fresh buffer of exactly `size` bytes. */
  encode(value: T): Uint8Array;
  /** Decodes exactly `size` bytes. */
  decode(bytes: Uint8Array): T;
  /** A value whose every field is zero. */
  zero(): T;
}

/** Drops readonly modifiers and flattens intersections, for readable value types. */
export type Simplify<T> = T extends unknown ? { -readonly [K in keyof T]: T[K] } : never;

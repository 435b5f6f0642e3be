/**
 * The building block of the struct descriptor language: a C type with a known size and
 * alignment that can be read from and written to little-endian memory.
 */

/**
 * One C type as laid out on LP64 little-endian Linux (x86_64, aarch64).
 *
 * `V` is the TypeScript value the type maps to: `number` for 32-bit and smaller integers,
 * `bigint` for 64-bit ones, arrays for fixed C arrays, objects for nested structs.
 */
export interface FieldType<V> {
  /** The C spelling, e.g. `__u32`, `__u8[3]`, `struct drm_panthor_obj_array`. */
  readonly ctype: string;
  /** `sizeof` in bytes. */
  readonly size: number;
  /** `_Alignof` in bytes. */
  readonly align: number;
  /** Reads a value at byte `offset` of `view`. */
  read(view: DataView, offset: number): V;
  /**
   * Writes `value` at byte `offset` of `view`.
   *
   * @param path - field path used in error messages, e.g. `drm_panthor_vm_bind.ops.count`.
   * @throws KernelError(EINVAL) when `value` does not fit the C type.
   */
  write(view: DataView, offset: number, value: V, path: string): void;
  /** The all-zero value of this type. */
  zero(): V;
  /** True when `value` is all-zero bits. */
  isZero(value: V): boolean;
}

/** The value type a {@link FieldType} maps to. */
export type FieldValue<T> = T extends FieldType<infer V> ? V : never;

/**
 * Scalar C types: the fixed-width `__u8` … `__s64` kernel integer types, plus the LP64 spellings
 * of `int`, `char *` and `__kernel_size_t` that a few DRM core structs use.
 */
import { EINVAL } from "../errno/errno.js";
import { KernelError } from "../errno/kernel-error.js";
import type { FieldType } from "./field-type.js";

/** An integer type of 1, 2 or 4 bytes, mapped to a JS `number`. */
export class IntType implements FieldType<number> {
  /** Smallest accepted value. */
  readonly min: number;
  /** Largest accepted value. */
  readonly max: number;

  /**
   * @param ctype - C spelling.
   * @param size - 1, 2 or 4.
   * @param signed - whether decode yields signed values.
   */
  constructor(
    readonly ctype: string,
    readonly size: 1 | 2 | 4,
    readonly signed: boolean,
  ) {
    const bits = size * 8;
    const half = 2 ** (bits - 1);
    this.min = -half;
    // Unsigned 32-bit fields also accept the int32 reading of their bit pattern, because JS
    // bitwise operators (`flags | DRM_PANTHOR_SYNC_OP_SIGNAL`) produce signed results.
    this.max = signed ? half - 1 : 2 ** bits - 1;
    if (!signed && size !== 4) this.min = 0;
  }

  /** `_Alignof` equals the size for every kernel integer type. */
  get align(): number {
    return this.size;
  }

  /** Reads the integer (unsigned types never come back negative). */
  read(view: DataView, offset: number): number {
    switch (this.size) {
      case 1:
        return this.signed ? view.getInt8(offset) : view.getUint8(offset);
      case 2:
        return this.signed ? view.getInt16(offset, true) : view.getUint16(offset, true);
      default:
        return this.signed ? view.getInt32(offset, true) : view.getUint32(offset, true);
    }
  }

  /** Writes the integer; throws KernelError(EINVAL) for a non-integer or out-of-range value. */
  write(view: DataView, offset: number, value: number, path: string): void {
    if (!Number.isInteger(value) || value < this.min || value > this.max) {
      throw new KernelError(EINVAL, `${path}: ${String(value)} does not fit ${this.ctype}`);
    }
    switch (this.size) {
      case 1:
        view.setUint8(offset, value & 0xff);
        return;
      case 2:
        view.setUint16(offset, value & 0xffff, true);
        return;
      default:
        view.setUint32(offset, value >>> 0, true);
    }
  }

  /** Zero. */
  zero(): number {
    return 0;
  }

  /** True for 0. */
  isZero(value: number): boolean {
    return value === 0;
  }
}

const U64_MAX = (1n << 64n) - 1n;
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;

/** A 64-bit integer type, mapped to a JS `bigint`. */
export class BigIntType implements FieldType<bigint> {
  /** Always 8. */
  readonly size = 8;
  /** Always 8 on LP64. */
  readonly align = 8;

  /**
   * @param ctype - C spelling.
   * @param signed - whether the value range is [-2^63, 2^63) rather than [0, 2^64).
   */
  constructor(
    readonly ctype: string,
    readonly signed: boolean,
  ) {}

  /** Reads the integer. */
  read(view: DataView, offset: number): bigint {
    return this.signed ? view.getBigInt64(offset, true) : view.getBigUint64(offset, true);
  }

  /** Writes the integer; throws KernelError(EINVAL) for a non-bigint or out-of-range value. */
  write(view: DataView, offset: number, value: bigint, path: string): void {
    const ok =
      typeof value === "bigint" &&
      (this.signed ? value >= S64_MIN && value <= S64_MAX : value >= 0n && value <= U64_MAX);
    if (!ok) {
      throw new KernelError(EINVAL, `${path}: ${String(value)} does not fit ${this.ctype}`);
    }
    if (this.signed) view.setBigInt64(offset, value, true);
    else view.setBigUint64(offset, value, true);
  }

  /** Zero. */
  zero(): bigint {
    return 0n;
  }

  /** True for 0n. */
  isZero(value: bigint): boolean {
    return value === 0n;
  }
}

/** `__u8`. */
export const u8: IntType = new IntType("__u8", 1, false);
/** `__s8`. */
export const s8: IntType = new IntType("__s8", 1, true);
/** `__u16`. */
export const u16: IntType = new IntType("__u16", 2, false);
/** `__s16`. */
export const s16: IntType = new IntType("__s16", 2, true);
/** `__u32` (also accepts the int32 reading of a bit pattern on write). */
export const u32: IntType = new IntType("__u32", 4, false);
/** `__s32`. */
export const s32: IntType = new IntType("__s32", 4, true);
/** C `int` (32-bit on every Linux ABI). */
export const cint: IntType = new IntType("int", 4, true);
/** `__u64`, as a bigint. */
export const u64: BigIntType = new BigIntType("__u64", false);
/** `__s64`, as a bigint. */
export const s64: BigIntType = new BigIntType("__s64", true);
/** `char *`: a user pointer, 8 bytes on LP64. */
export const charPtr: BigIntType = new BigIntType("char *", false);
/** `__kernel_size_t`: `unsigned long`, 8 bytes on LP64. */
export const kernelSizeT: BigIntType = new BigIntType("__kernel_size_t", false);

/** Fixed-length C arrays (`__u32 texture_features[4]`, `__u8 pad[3]`) as JS arrays. */
import { EINVAL } from "../errno/errno.js";
import { KernelError } from "../errno/kernel-error.js";
import type { FieldType } from "./field-type.js";

/** A C array `elem[len]`, mapped to a JS array of exactly `len` elements. */
export class ArrayType<V> implements FieldType<V[]> {
  /** `sizeof(elem) * len`. */
  readonly size: number;
  /** Same as the element's alignment. */
  readonly align: number;
  /** `elem[len]` spelling, e.g. `__u32[4]`. */
  readonly ctype: string;

  /**
   * @param elem - element type.
   * @param len - number of elements (a positive integer).
   */
  constructor(
    readonly elem: FieldType<V>,
    readonly len: number,
  ) {
    if (!Number.isInteger(len) || len <= 0) throw new RangeError(`bad array length ${len}`);
    this.size = elem.size * len;
    this.align = elem.align;
    this.ctype = `${elem.ctype}[${len}]`;
  }

  /** Reads every element. */
  read(view: DataView, offset: number): V[] {
    const out: V[] = new Array<V>(this.len);
    for (let i = 0; i < this.len; i++) out[i] = this.elem.read(view, offset + i * this.elem.size);
    return out;
  }

  /** Writes every element; throws KernelError(EINVAL) if `value` is not an array of `len`. */
  write(view: DataView, offset: number, value: V[], path: string): void {
    if (!Array.isArray(value) || value.length !== this.len) {
      throw new KernelError(EINVAL, `${path}: expected an array of ${this.len} elements`);
    }
    for (let i = 0; i < this.len; i++) {
      this.elem.write(view, offset + i * this.elem.size, value[i] as V, path);
    }
  }

  /** An array of `len` zero elements. */
  zero(): V[] {
    const out: V[] = new Array<V>(this.len);
    for (let i = 0; i < this.len; i++) out[i] = this.elem.zero();
    return out;
  }

  /** True when every element is zero. */
  isZero(value: V[]): boolean {
    return value.every((v) => this.elem.isZero(v));
  }
}

/** Declares the C array `elem[len]`. */
export function array<V>(elem: FieldType<V>, len: number): ArrayType<V> {
  return new ArrayType(elem, len);
}

/** Enumerates the scalar leaves of a struct, to check that each lands on its own bytes. */
import {
  AnonUnionType,
  type AnyStruct,
  ArrayType,
  BigIntType,
  type FieldType,
  IntType,
  StructType,
} from "../../src/index.js";

/** One scalar (or scalar array) leaf: where it is and its all-ones value. */
export interface Leaf {
  /** Property path from the struct value. */
  readonly path: readonly string[];
  /** Absolute byte offset. */
  readonly offset: number;
  /** Byte size. */
  readonly size: number;
  /** A value whose encoding is all 0xff bytes. */
  readonly ones: unknown;
}

function onesOf(type: FieldType<unknown>): unknown {
  if (type instanceof IntType) return type.signed ? -1 : 2 ** (type.size * 8) - 1;
  if (type instanceof BigIntType) return type.signed ? -1n : (1n << 64n) - 1n;
  if (type instanceof ArrayType) return Array.from({ length: type.len }, () => onesOf(type.elem));
  return undefined;
}

/** The scalar leaves of `s` (anonymous unions are skipped: their member depends on a tag). */
export function leafPaths(s: AnyStruct, base = 0, prefix: readonly string[] = []): Leaf[] {
  const out: Leaf[] = [];
  for (const f of s.fields) {
    if (f.type instanceof AnonUnionType) continue;
    const path = [...prefix, f.name];
    if (f.type instanceof StructType) {
      out.push(...leafPaths(f.type as AnyStruct, base + f.offset, path));
      continue;
    }
    const ones = onesOf(f.type);
    if (ones === undefined) {
      // Arrays of structs: cover the first element's leaves.
      continue;
    }
    out.push({ path, offset: base + f.offset, size: f.size, ones });
  }
  return out;
}

/** Copy of `value` with the property at `path` replaced. */
export function setPath(value: unknown, path: readonly string[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path as [string, ...string[]];
  const rec = value as Record<string, unknown>;
  return { ...rec, [head]: setPath(rec[head], rest, leaf) };
}

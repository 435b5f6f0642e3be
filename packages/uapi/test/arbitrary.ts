/** fast-check arbitraries derived from struct descriptions (test helper). */
import fc from "fast-check";
import {
  AnonUnionType,
  type AnyStruct,
  ArrayType,
  BigIntType,
  type FieldType,
  IntType,
  StructType,
  type UnionMembers,
} from "../src/index.js";

/** Canonical (decodable) values of a field type: unsigned types never negative. */
export function arbitraryOf(type: FieldType<unknown>): fc.Arbitrary<unknown> {
  if (type instanceof IntType) {
    const bits = type.size * 8;
    const min = type.signed ? -(2 ** (bits - 1)) : 0;
    const max = type.signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    // Small values often, so tag fields (dump header `type`) hit every union member.
    return fc.oneof(fc.integer({ min, max }), fc.integer({ min: 0, max: 4 }));
  }
  if (type instanceof BigIntType) {
    const min = type.signed ? -(1n << 63n) : 0n;
    const max = type.signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
    return fc.bigInt({ min, max });
  }
  if (type instanceof ArrayType) {
    return fc.array(arbitraryOf(type.elem), { minLength: type.len, maxLength: type.len });
  }
  if (type instanceof StructType) return arbitraryStruct(type as AnyStruct);
  throw new Error(`no arbitrary for ${type.ctype}`);
}

/** Random valid values of a struct (the anonymous union member follows the struct's tag). */
export function arbitraryStruct(s: AnyStruct): fc.Arbitrary<Record<string, unknown>> {
  const plain: Record<string, fc.Arbitrary<unknown>> = {};
  let union: AnonUnionType<UnionMembers> | undefined;
  for (const f of s.fields) {
    if (f.type instanceof AnonUnionType) union = f.type as AnonUnionType<UnionMembers>;
    else plain[f.name] = arbitraryOf(f.type);
  }
  const base = fc.record(plain);
  const u = union;
  if (u === undefined) return base;
  return base.chain((p) => {
    const member = u.select(p);
    const type = u.members[member] as FieldType<unknown>;
    return arbitraryOf(type).map((m) => ({ ...p, [member]: m }));
  });
}

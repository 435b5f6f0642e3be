export { AnonUnionType, anonUnion, type OneOf, type UnionMembers } from "./anon-union.js";
export { ArrayType, array } from "./array.js";
export type { Simplify, StructCodec } from "./codec.js";
export {
  defineStruct,
  type FieldEntry,
  type FieldFlags,
  type FieldInfo,
  type FieldsDesc,
  type FieldsValue,
  MUST_BE_ZERO,
  type PaddingInfo,
  StructType,
  type StructValue,
} from "./define.js";
export type { FieldType, FieldValue } from "./field-type.js";
export {
  BigIntType,
  charPtr,
  cint,
  IntType,
  kernelSizeT,
  s8,
  s16,
  s32,
  s64,
  u8,
  u16,
  u32,
  u64,
} from "./scalar.js";

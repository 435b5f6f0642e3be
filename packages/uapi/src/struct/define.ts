/**
 * `defineStruct`: describe a kernel struct once (field name, C type, offset) and get its codec,
 * size, alignment, layout table and TypeScript value type from that single description.
 *
 * ```ts
 * const DrmGemClose = defineStruct("drm_gem_close", {
 *   handle: [0, u32],
 *   pad: [4, u32, MUST_BE_ZERO],
 * });
 * type DrmGemCloseArgs = StructValue<typeof DrmGemClose>; // { handle: number; pad: number }
 * ```
 *
 * Offsets are part of the description and are checked against the C layout rules (each field at
 * the next offset aligned for its type) when the struct is defined, so a typo fails at load.
 */
import { EINVAL } from "../errno/errno.js";
import { KernelError } from "../errno/kernel-error.js";
import type { AnonUnionType, AnonymousUnionMarker, UnionMembers } from "./anon-union.js";
import type { Simplify, StructCodec } from "./codec.js";
import type { FieldType, FieldValue } from "./field-type.js";
import { BigIntType, IntType } from "./scalar.js";
import { STAGE_BYTES, stage, stageView } from "./staging.js";

/**
 * How a plain field is read and written: scalar kinds are handled inline by the struct's loops
 * (no call through the field type); {@link KIND_OTHER} goes through `FieldType.read`/`write`.
 */
const KIND_OTHER = 0;
const KIND_U8 = 1;
const KIND_S8 = 2;
const KIND_U16 = 3;
const KIND_S16 = 4;
const KIND_U32 = 5;
const KIND_S32 = 6;
const KIND_U64 = 7;
const KIND_S64 = 8;

const U64_MAX = (1n << 64n) - 1n;
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;

function scalarKind(type: FieldType<unknown>): number {
  if (type instanceof IntType) {
    const base = type.size === 1 ? KIND_U8 : type.size === 2 ? KIND_U16 : KIND_U32;
    return base + (type.signed ? 1 : 0);
  }
  if (type instanceof BigIntType) return type.signed ? KIND_S64 : KIND_U64;
  return KIND_OTHER;
}

/** Extra facts about a field. */
export interface FieldFlags {
  /** The driver rejects a non-zero value with -EINVAL (padding and reserved fields). */
  readonly mustBeZero?: boolean;
}

/** Flags for a field the kernel requires to be zero (a `pad`). */
export const MUST_BE_ZERO: FieldFlags = Object.freeze({ mustBeZero: true });

/** One field of a description: `[offset, type]` or `[offset, type, flags]`. */
export type FieldEntry = readonly [offset: number, type: FieldType<unknown>, flags?: FieldFlags];

/** A struct description: field name → entry, in declaration (= memory) order. */
export type FieldsDesc = { readonly [name: string]: FieldEntry };

type EntryType<E> = E extends readonly [number, infer T, ...unknown[]] ? T : never;
type PlainKeys<F> = {
  [K in keyof F]: EntryType<F[K]> extends AnonymousUnionMarker ? never : K;
}[keyof F];
type UnionKeys<F> = {
  [K in keyof F]: EntryType<F[K]> extends AnonymousUnionMarker ? K : never;
}[keyof F];
type UnionPart<F> = [UnionKeys<F>] extends [never]
  ? unknown
  : FieldValue<EntryType<F[UnionKeys<F>]>>;

/** The TS value type of a description: one property per field (anonymous unions flattened). */
export type FieldsValue<F extends FieldsDesc> = Simplify<
  { -readonly [K in PlainKeys<F>]: FieldValue<EntryType<F[K]>> } & UnionPart<F>
>;

/** The TS value type of a struct: `StructValue<typeof DrmGemClose>` or of its description. */
export type StructValue<T> =
  T extends StructType<infer F> ? FieldsValue<F> : T extends FieldsDesc ? FieldsValue<T> : never;

/** Layout facts of one declared field. */
export interface FieldInfo {
  /** Field name as in the kernel header (`(anonymous union)` for an anonymous union). */
  readonly name: string;
  /** Offset from the start of the enclosing struct. */
  readonly offset: number;
  /** `sizeof` the field. */
  readonly size: number;
  /** C spelling of the field's type. */
  readonly ctype: string;
  /** The field's type (a nested {@link StructType}, an array, a scalar or an anonymous union). */
  readonly type: FieldType<unknown>;
  /** Whether the kernel requires the field to be zero. */
  readonly mustBeZero: boolean;
}

/** A hole the compiler inserts (between fields or at the tail); always encoded as zero bytes. */
export interface PaddingInfo {
  /** Offset of the hole. */
  readonly offset: number;
  /** Length in bytes. */
  readonly size: number;
}

function isAnonUnion(t: FieldType<unknown>): t is AnonUnionType<UnionMembers> {
  return (t as Partial<AnonymousUnionMarker>).anonymousUnion === true;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/**
 * A kernel struct: codec (`encode`/`decode`), layout (`size`, `align`, `fields`) and a field type
 * usable inside other structs and arrays. Build it with {@link defineStruct}.
 */
export class StructType<F extends FieldsDesc>
  implements StructCodec<FieldsValue<F>>, FieldType<FieldsValue<F>>
{
  /** `struct <name>`. */
  readonly ctype: string;
  /** `sizeof`. */
  readonly size: number;
  /** `_Alignof`. */
  readonly align: number;
  /** Declared fields in memory order. */
  readonly fields: readonly FieldInfo[];
  /** Compiler-inserted holes, including tail padding. */
  readonly padding: readonly PaddingInfo[];
  private readonly plain: readonly FieldInfo[];
  private readonly labels: readonly string[];
  private readonly union: FieldInfo | undefined;
  /** Per plain field: name, offset, scalar kind, integer range (the hot loops read these). */
  private readonly names: readonly string[];
  private readonly offsets: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly mins: Float64Array;
  private readonly maxs: Float64Array;
  /**
   * A value with every plain field present, in order: decoding copies it and overwrites each
   * field, so every decoded value of this struct has the same shape.
   */
  private readonly template: Readonly<Record<string, unknown>>;
  /** Scratch bytes encode() builds the struct in before copying them out, and their view. */
  private readonly scratch: Uint8Array;
  private readonly scratchView: DataView;

  /**
   * @param name - kernel struct name (without `struct`); `(anonymous)` for an unnamed struct.
   * @param desc - the description.
   * @throws Error when an offset does not follow the C layout rules.
   */
  constructor(
    readonly name: string,
    readonly desc: F,
  ) {
    this.ctype = `struct ${name}`;
    const fields: FieldInfo[] = [];
    const padding: PaddingInfo[] = [];
    let cursor = 0;
    let align = 1;
    for (const [fname, entry] of Object.entries(desc)) {
      const [offset, type, flags] = entry;
      const expected = alignUp(cursor, type.align);
      if (offset !== expected) {
        throw new Error(`struct ${name}.${fname}: offset ${offset}, C layout gives ${expected}`);
      }
      if (offset > cursor) padding.push({ offset: cursor, size: offset - cursor });
      fields.push({
        name: fname,
        offset,
        size: type.size,
        ctype: type.ctype,
        type,
        mustBeZero: flags?.mustBeZero === true,
      });
      cursor = offset + type.size;
      align = Math.max(align, type.align);
    }
    this.size = alignUp(cursor, align);
    if (this.size > cursor) padding.push({ offset: cursor, size: this.size - cursor });
    this.align = align;
    this.fields = fields;
    this.padding = padding;
    this.plain = fields.filter((f) => !isAnonUnion(f.type));
    this.labels = this.plain.map((f) => `${name}.${f.name}`);
    const unions = fields.filter((f) => isAnonUnion(f.type));
    if (unions.length > 1) throw new Error(`struct ${name}: at most one anonymous union`);
    this.union = unions[0];
    const plain = this.plain;
    this.names = plain.map((f) => f.name);
    this.offsets = Int32Array.from(plain, (f) => f.offset);
    this.kinds = Uint8Array.from(plain, (f) => scalarKind(f.type));
    this.mins = Float64Array.from(plain, (f) => (f.type instanceof IntType ? f.type.min : 0));
    this.maxs = Float64Array.from(plain, (f) => (f.type instanceof IntType ? f.type.max : 0));
    const template: Record<string, unknown> = {};
    for (const f of plain) template[f.name] = f.type.zero();
    this.template = template;
    this.scratch = new Uint8Array(this.size);
    this.scratchView = new DataView(this.scratch.buffer);
  }

  /** Looks a declared field up by name. */
  field(name: string): FieldInfo | undefined {
    return this.fields.find((f) => f.name === name);
  }

  /** Encodes into a fresh zero-filled buffer of exactly `size` bytes. */
  encode(value: FieldsValue<F>): Uint8Array {
    const scratch = this.scratch;
    scratch.fill(0);
    this.write(this.scratchView, 0, value, this.name);
    return scratch.slice();
  }

  /**
   * Encodes into `target` at byte `offset` (bytes of implicit padding are left untouched, so
   * pass a zeroed buffer for a canonical encoding).
   */
  encodeInto(value: FieldsValue<F>, target: Uint8Array, offset = 0): void {
    if (offset < 0 || offset + this.size > target.length) {
      throw new KernelError(EINVAL, `${this.name}: target too small`);
    }
    const size = this.size;
    if (size > STAGE_BYTES) {
      this.write(new DataView(target.buffer, target.byteOffset), offset, value, this.name);
      return;
    }
    // Built in the staging buffer over the target's own bytes, then copied back: a value that
    // fails half-way leaves the target untouched.
    stage.set(target.subarray(offset, offset + size));
    this.write(stageView, 0, value, this.name);
    target.set(stage.subarray(0, size), offset);
  }

  /** Decodes exactly `size` bytes; throws KernelError(EINVAL) for any other length. */
  decode(bytes: Uint8Array): FieldsValue<F> {
    if (!(bytes instanceof Uint8Array) || bytes.length !== this.size) {
      const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : "not a Uint8Array";
      throw new KernelError(EINVAL, `${this.name}: decode needs ${this.size} bytes, got ${got}`);
    }
    return this.readStaged(bytes, 0);
  }

  /** Decodes `size` bytes at `offset` of `source`; throws KernelError(EINVAL) if they are not there. */
  decodeAt(source: Uint8Array, offset: number): FieldsValue<F> {
    if (!Number.isInteger(offset) || offset < 0 || offset + this.size > source.length) {
      throw new KernelError(EINVAL, `${this.name}: ${this.size} bytes at ${offset} out of range`);
    }
    return this.readStaged(source, offset);
  }

  /** Decodes the `size` bytes at `offset` of `bytes` (known to be there). */
  private readStaged(bytes: Uint8Array, offset: number): FieldsValue<F> {
    const size = this.size;
    if (size > STAGE_BYTES) return this.read(new DataView(bytes.buffer, bytes.byteOffset), offset);
    stage.set(
      offset === 0 && bytes.length === size ? bytes : bytes.subarray(offset, offset + size),
    );
    return this.read(stageView, 0);
  }

  /** Reads the struct at `offset` of `view` (FieldType contract). */
  read(view: DataView, offset: number): FieldsValue<F> {
    const out: Record<string, unknown> = { ...this.template };
    const { names, offsets, kinds } = this;
    for (let i = 0; i < kinds.length; i++) {
      const at = offset + (offsets[i] as number);
      const name = names[i] as string;
      switch (kinds[i]) {
        case KIND_U8:
          out[name] = view.getUint8(at);
          break;
        case KIND_S8:
          out[name] = view.getInt8(at);
          break;
        case KIND_U16:
          out[name] = view.getUint16(at, true);
          break;
        case KIND_S16:
          out[name] = view.getInt16(at, true);
          break;
        case KIND_U32:
          out[name] = view.getUint32(at, true);
          break;
        case KIND_S32:
          out[name] = view.getInt32(at, true);
          break;
        case KIND_U64:
          out[name] = view.getBigUint64(at, true);
          break;
        case KIND_S64:
          out[name] = view.getBigInt64(at, true);
          break;
        default:
          out[name] = (this.plain[i] as FieldInfo).type.read(view, at);
      }
    }
    const u = this.union;
    if (u !== undefined) {
      const type = u.type as AnonUnionType<UnionMembers>;
      Object.assign(out, type.readMember(view, offset + u.offset, type.select(out)));
    }
    return out as FieldsValue<F>;
  }

  /** Writes the struct at `offset` of `view` (FieldType contract); throws KernelError(EINVAL). */
  write(view: DataView, offset: number, value: FieldsValue<F>, path: string): void {
    if (typeof value !== "object" || value === null) {
      throw new KernelError(EINVAL, `${path}: expected an object`);
    }
    const rec = value as Readonly<Record<string, unknown>>;
    const { names, offsets, kinds } = this;
    for (let i = 0; i < kinds.length; i++) {
      const v = rec[names[i] as string];
      const at = offset + (offsets[i] as number);
      const kind = kinds[i] as number;
      if (kind >= KIND_U8 && kind <= KIND_S32) {
        if (
          typeof v !== "number" ||
          !Number.isInteger(v) ||
          v < (this.mins[i] as number) ||
          v > (this.maxs[i] as number)
        ) {
          this.badField(path, i, v);
        }
        if (kind <= KIND_S8) view.setUint8(at, v & 0xff);
        else if (kind <= KIND_S16) view.setUint16(at, v & 0xffff, true);
        else view.setUint32(at, v >>> 0, true);
      } else if (kind === KIND_U64) {
        if (typeof v !== "bigint" || v < 0n || v > U64_MAX) this.badField(path, i, v);
        view.setBigUint64(at, v, true);
      } else if (kind === KIND_S64) {
        if (typeof v !== "bigint" || v < S64_MIN || v > S64_MAX) this.badField(path, i, v);
        view.setBigInt64(at, v, true);
      } else {
        if (v === undefined) this.badField(path, i, v);
        (this.plain[i] as FieldInfo).type.write(view, at, v, this.labels[i] as string);
      }
    }
    const u = this.union;
    if (u !== undefined) u.type.write(view, offset + u.offset, rec, path);
  }

  /**
   * Throws the KernelError(EINVAL) a bad value of plain field `i` gets (missing, wrong type or
   * out of range), naming the field by its prebuilt path.
   */
  private badField(path: string, i: number, v: unknown): never {
    const label = this.labels[i] as string;
    if (v === undefined) throw new KernelError(EINVAL, `${path}: ${label} missing`);
    const ctype = (this.plain[i] as FieldInfo).ctype;
    throw new KernelError(EINVAL, `${label}: ${String(v)} does not fit ${ctype}`);
  }

  /** A value whose every field is zero. */
  zero(): FieldsValue<F> {
    const out: Record<string, unknown> = {};
    for (const f of this.plain) out[f.name] = f.type.zero();
    const u = this.union;
    if (u !== undefined) {
      const type = u.type as AnonUnionType<UnionMembers>;
      const name = type.select(out);
      out[name] = (type.members[name] as FieldType<unknown>).zero();
    }
    return out as FieldsValue<F>;
  }

  /** A zero value with the given fields set: `DrmGemClose.create({ handle: 3 })`. */
  create(init: Partial<FieldsValue<F>> = {}): FieldsValue<F> {
    const u = this.union;
    if (u === undefined) return { ...this.zero(), ...init } as FieldsValue<F>;
    // Anonymous union: keep the member given in `init`, else the zero of the one `type` selects.
    const type = u.type as AnonUnionType<UnionMembers>;
    const out: Record<string, unknown> = {};
    for (const f of this.plain) out[f.name] = f.type.zero();
    Object.assign(out, init);
    if (type.memberNames.every((n) => out[n] === undefined)) {
      const name = type.select(out);
      out[name] = (type.members[name] as FieldType<unknown>).zero();
    }
    return out as FieldsValue<F>;
  }

  /** True when every field is zero. */
  isZero(value: FieldsValue<F>): boolean {
    const rec = value as Readonly<Record<string, unknown>>;
    for (const f of this.plain) if (!f.type.isZero(rec[f.name])) return false;
    const u = this.union;
    return u === undefined || u.type.isZero(rec);
  }

  /**
   * True when every field marked {@link MUST_BE_ZERO} (here and in nested structs) is zero —
   * the check drivers do on `pad` fields before returning -EINVAL.
   */
  mustBeZeroOk(value: FieldsValue<F>): boolean {
    const rec = value as Readonly<Record<string, unknown>>;
    for (const f of this.plain) {
      const v = rec[f.name];
      if (f.mustBeZero && !f.type.isZero(v)) return false;
      if (f.type instanceof StructType && !f.type.mustBeZeroOk(v as never)) return false;
    }
    return true;
  }
}

/** Describes a kernel struct once; see the module documentation. */
export function defineStruct<const F extends FieldsDesc>(name: string, desc: F): StructType<F> {
  return new StructType(name, desc);
}

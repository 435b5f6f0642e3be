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
  }

  /** Looks a declared field up by name. */
  field(name: string): FieldInfo | undefined {
    return this.fields.find((f) => f.name === name);
  }

  /** Encodes into a fresh zero-filled buffer of exactly `size` bytes. */
  encode(value: FieldsValue<F>): Uint8Array {
    const bytes = new Uint8Array(this.size);
    this.write(new DataView(bytes.buffer), 0, value, this.name);
    return bytes;
  }

  /**
   * Encodes into `target` at byte `offset` (bytes of implicit padding are left untouched, so
   * pass a zeroed buffer for a canonical encoding).
   */
  encodeInto(value: FieldsValue<F>, target: Uint8Array, offset = 0): void {
    if (offset < 0 || offset + this.size > target.length) {
      throw new KernelError(EINVAL, `${this.name}: target too small`);
    }
    this.write(
      new DataView(target.buffer, target.byteOffset, target.length),
      offset,
      value,
      this.name,
    );
  }

  /** Decodes exactly `size` bytes; throws KernelError(EINVAL) for any other length. */
  decode(bytes: Uint8Array): FieldsValue<F> {
    if (!(bytes instanceof Uint8Array) || bytes.length !== this.size) {
      const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : "not a Uint8Array";
      throw new KernelError(EINVAL, `${this.name}: decode needs ${this.size} bytes, got ${got}`);
    }
    return this.read(new DataView(bytes.buffer, bytes.byteOffset, bytes.length), 0);
  }

  /** Decodes `size` bytes at `offset` of `source`; throws KernelError(EINVAL) if they are not there. */
  decodeAt(source: Uint8Array, offset: number): FieldsValue<F> {
    if (!Number.isInteger(offset) || offset < 0 || offset + this.size > source.length) {
      throw new KernelError(EINVAL, `${this.name}: ${this.size} bytes at ${offset} out of range`);
    }
    return this.read(new DataView(source.buffer, source.byteOffset, source.length), offset);
  }

  /** Reads the struct at `offset` of `view` (FieldType contract). */
  read(view: DataView, offset: number): FieldsValue<F> {
    const out: Record<string, unknown> = {};
    for (const f of this.plain) out[f.name] = f.type.read(view, offset + f.offset);
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
    const plain = this.plain;
    for (let i = 0; i < plain.length; i++) {
      const f = plain[i] as FieldInfo;
      const v = rec[f.name];
      // Paths are prebuilt per field so the hot path never formats strings.
      const label = this.labels[i] as string;
      if (v === undefined) throw new KernelError(EINVAL, `${path}: ${label} missing`);
      f.type.write(view, offset + f.offset, v, label);
    }
    const u = this.union;
    if (u !== undefined) u.type.write(view, offset + u.offset, rec, path);
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

/**
 * Anonymous unions, as in `struct panfrost_dump_object_header`: the members share one offset and
 * appear directly in the parent struct's value, exactly one of them at a time.
 */
import { EINVAL } from "../errno/errno.js";
import { KernelError } from "../errno/kernel-error.js";
import type { FieldType, FieldValue } from "./field-type.js";

/** The members of an anonymous union, by member name. */
export type UnionMembers = { readonly [name: string]: FieldType<unknown> };

/** Exactly one member of `M` present, the others absent. */
export type OneOf<M extends UnionMembers> = {
  [K in keyof M]: { -readonly [P in K]: FieldValue<M[K]> } & {
    -readonly [P in Exclude<keyof M, K>]?: never;
  };
}[keyof M];

/**
 * Picks which member a decoded struct holds, from the struct's other (non-union) fields; C has
 * no tag, so the discriminator is the struct's own convention (e.g. a `type` field).
 */
export type UnionSelector<M extends UnionMembers> = (
  fields: Readonly<Record<string, unknown>>,
) => keyof M & string;

/** Marks a field type as an anonymous union whose members are flattened into the parent. */
export interface AnonymousUnionMarker {
  /** Always true. */
  readonly anonymousUnion: true;
}

/** An anonymous union field type. */
export class AnonUnionType<M extends UnionMembers>
  implements FieldType<OneOf<M>>, AnonymousUnionMarker
{
  /** Always true. */
  readonly anonymousUnion = true as const;
  /** Always `union`. */
  readonly ctype = "union";
  /** Largest member size rounded up to the alignment. */
  readonly size: number;
  /** Largest member alignment. */
  readonly align: number;
  /** Member names in declaration order. */
  readonly memberNames: readonly (keyof M & string)[];

  /**
   * @param members - member types by name; each starts at the union's offset.
   * @param select - picks the member present in a decoded value.
   */
  constructor(
    readonly members: M,
    readonly select: UnionSelector<M>,
  ) {
    const types = Object.values(members);
    if (types.length === 0) throw new RangeError("empty union");
    this.align = Math.max(...types.map((t) => t.align));
    const raw = Math.max(...types.map((t) => t.size));
    this.size = Math.ceil(raw / this.align) * this.align;
    this.memberNames = Object.keys(members) as (keyof M & string)[];
  }

  /** The member present in `value`, or undefined unless exactly one is. */
  presentMember(value: Readonly<Record<string, unknown>>): (keyof M & string) | undefined {
    let found: (keyof M & string) | undefined;
    for (const name of this.memberNames) {
      if (value[name] === undefined) continue;
      if (found !== undefined) return undefined;
      found = name;
    }
    return found;
  }

  /**
   * Reads the member chosen by the selector. The union alone has no tag, so this reads the
   * first member; the parent struct reads with {@link readMember} after its other fields.
   */
  read(view: DataView, offset: number): OneOf<M> {
    const first = this.memberNames[0] as keyof M & string;
    return this.readMember(view, offset, first);
  }

  /** Reads member `name` at `offset`. */
  readMember(view: DataView, offset: number, name: keyof M & string): OneOf<M> {
    const type = this.members[name] as FieldType<unknown>;
    return { [name]: type.read(view, offset) } as OneOf<M>;
  }

  /** Writes the one member present in `value`; zero-fills the rest of the union. */
  write(view: DataView, offset: number, value: OneOf<M>, path: string): void {
    const rec = value as Readonly<Record<string, unknown>>;
    const name = this.presentMember(rec);
    if (name === undefined) {
      throw new KernelError(
        EINVAL,
        `${path}: exactly one of ${this.memberNames.join(", ")} must be present`,
      );
    }
    for (let i = 0; i < this.size; i++) view.setUint8(offset + i, 0);
    (this.members[name] as FieldType<unknown>).write(view, offset, rec[name], `${path}.${name}`);
  }

  /** The zero value: the first member, zeroed. */
  zero(): OneOf<M> {
    const first = this.memberNames[0] as keyof M & string;
    return { [first]: (this.members[first] as FieldType<unknown>).zero() } as OneOf<M>;
  }

  /** True when the present member is zero. */
  isZero(value: OneOf<M>): boolean {
    const rec = value as Readonly<Record<string, unknown>>;
    const name = this.presentMember(rec);
    return name !== undefined && (this.members[name] as FieldType<unknown>).isZero(rec[name]);
  }
}

/** Declares an anonymous union with the given members and tag convention. */
export function anonUnion<M extends UnionMembers>(
  members: M,
  select: UnionSelector<M>,
): AnonUnionType<M> {
  return new AnonUnionType(members, select);
}

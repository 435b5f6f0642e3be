/** Typed views of the golden UAPI documents (schema in fixtures/golden/uapi/README.md). */

/** One field of a golden struct (nested struct fields and union members included). */
export interface GoldenField {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly ctype: string;
  readonly abs_offset?: number;
  readonly array_len?: number;
  readonly elem_size?: number;
  readonly must_be_zero?: boolean;
  readonly implicit?: boolean;
  readonly struct?: string;
  readonly fields?: readonly GoldenField[];
  readonly members?: readonly GoldenField[];
}

/** One golden struct. */
export interface GoldenStruct {
  readonly name: string;
  readonly sizeof: number;
  readonly alignment: number;
  readonly fields: readonly GoldenField[];
}

/** One golden object-like constant. */
export interface GoldenConstant {
  readonly name: string;
  readonly value: number | string;
  readonly hex: string;
  readonly expr: string;
}

/** One golden enum. */
export interface GoldenEnum {
  readonly name: string;
  readonly members: readonly {
    readonly name: string;
    readonly value: number;
    readonly hex: string;
  }[];
}

/** One golden function-like macro. */
export interface GoldenMacro {
  readonly name: string;
  readonly expansion: string;
}

/** One golden ioctl. */
export interface GoldenIoctl {
  readonly name: string;
  readonly request: number;
  readonly request_hex: string;
  readonly macro: string;
  readonly nr: number;
  readonly type: string;
  readonly arg_struct: string;
  readonly arg_size: number;
  readonly command_index?: number;
}

/** A golden UAPI document. */
export interface GoldenUapiDoc {
  readonly header: string;
  readonly structs: readonly GoldenStruct[];
  readonly constants: readonly GoldenConstant[];
  readonly enums: readonly GoldenEnum[];
  readonly function_macros: readonly GoldenMacro[];
  readonly ioctls: readonly GoldenIoctl[];
  readonly later_kernel_layouts?: {
    readonly structs?: readonly GoldenStruct[];
    readonly ioctls?: readonly GoldenIoctl[];
    readonly constants?: readonly GoldenConstant[];
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validates the shape of a golden UAPI document and casts it. */
export function asUapiDoc(data: unknown, file: string): GoldenUapiDoc {
  if (!isRecord(data)) throw new Error(`${file}: not an object`);
  for (const key of ["structs", "constants", "enums", "ioctls"]) {
    if (!Array.isArray(data[key])) throw new Error(`${file}: missing array ${key}`);
  }
  return {
    ...(data as unknown as GoldenUapiDoc),
    function_macros: Array.isArray(data.function_macros)
      ? (data.function_macros as GoldenMacro[])
      : [],
  };
}

/** `struct drm_x` → `drm_x`. */
export function structName(name: string): string {
  return name.replace(/^struct\s+/, "");
}

/**
 * Lookup tables by kernel name: every struct, ioctl, constant, enum and function-like macro this
 * package models. Trace decoders use them to go from a request number or name to a codec, and
 * the conformance suite uses them to check the golden data without naming any item itself.
 */
import * as drmConstants from "../drm/constants.js";
import { DRM_CORE_IOCTLS, DRM_CORE_IOCTLS_DEADLINE } from "../drm/ioctls.js";
import * as drmStructs from "../drm/structs.js";
import type { IoctlDesc } from "../ioctl/desc.js";
import * as drmIoc from "../ioctl/drm-ioc.js";
import * as panfrostConstants from "../panfrost/constants.js";
import * as panfrostDump from "../panfrost/dump.js";
import { PANFROST_IOCTLS, PANFROST_IOCTLS_NEWEST } from "../panfrost/ioctls.js";
import * as panfrostStructs from "../panfrost/structs.js";
import * as panthorConstants from "../panthor/constants.js";
import { PANTHOR_IOCTLS } from "../panthor/ioctls.js";
import * as panthorMacros from "../panthor/macros.js";
import * as panthorStructs from "../panthor/structs.js";
import { type FieldsDesc, StructType } from "../struct/define.js";

/** Any struct codec of this package. */
export type AnyStruct = StructType<FieldsDesc>;

function structsOf(...modules: readonly Readonly<Record<string, unknown>>[]): AnyStruct[] {
  const out: AnyStruct[] = [];
  for (const m of modules) {
    for (const v of Object.values(m)) {
      if (v instanceof StructType && !v.name.startsWith("(")) out.push(v as AnyStruct);
    }
  }
  return out;
}

function byName<T extends { readonly name: string }>(items: readonly T[]): ReadonlyMap<string, T> {
  const map = new Map<string, T>();
  for (const it of items) {
    if (map.has(it.name)) throw new Error(`duplicate UAPI name ${it.name}`);
    map.set(it.name, it);
  }
  return map;
}

const LATER = new Set<AnyStruct>([
  drmStructs.DrmSyncobjWaitDeadline as AnyStruct,
  drmStructs.DrmSyncobjTimelineWaitDeadline as AnyStruct,
]);

/**
 * Every struct by kernel name (`drm_panthor_vm_bind`), with the layouts of the headers the
 * golden data was read from.
 */
export const UAPI_STRUCTS: ReadonlyMap<string, AnyStruct> = byName(
  structsOf(drmStructs, panfrostStructs, panfrostDump, panthorStructs).filter((s) => !LATER.has(s)),
);

/** Layouts that later kernels changed (drm_syncobj_wait and _timeline_wait with deadline_nsec). */
export const UAPI_LATER_STRUCTS: ReadonlyMap<string, AnyStruct> = byName([...LATER]);

/**
 * Every ioctl by macro name (`DRM_IOCTL_PANTHOR_VM_BIND`). Request numbers are only unique
 * within one driver (panfrost and panthor reuse nr 0x40…), so look numbers up in
 * `PANFROST_IOCTLS` / `PANTHOR_IOCTLS` / `DRM_CORE_IOCTLS` with `findIoctl`.
 */
export const UAPI_IOCTLS: ReadonlyMap<string, IoctlDesc> = byName([
  ...DRM_CORE_IOCTLS,
  ...PANFROST_IOCTLS,
  ...PANFROST_IOCTLS_NEWEST,
  ...PANTHOR_IOCTLS,
]);

/** The ioctls whose request number changed in later kernels (larger syncobj wait structs). */
export const UAPI_LATER_IOCTLS: ReadonlyMap<string, IoctlDesc> = byName(DRM_CORE_IOCTLS_DEADLINE);

function scalarsOf(
  ...modules: readonly Readonly<Record<string, unknown>>[]
): ReadonlyMap<string, number | bigint> {
  const map = new Map<string, number | bigint>();
  for (const m of modules) {
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === "number" || typeof v === "bigint") map.set(k, v);
    }
  }
  return map;
}

/**
 * Every object-like constant and enum member by name (`PANFROST_BO_HEAP`, `DRM_COMMAND_BASE`,
 * `DRM_PANTHOR_USER_MMIO_OFFSET`). 64-bit constants are bigints.
 */
export const UAPI_CONSTANTS: ReadonlyMap<string, number | bigint> = scalarsOf(
  drmConstants,
  drmIoc,
  panfrostConstants,
  panthorConstants,
);

function enumsOf(
  ...modules: readonly Readonly<Record<string, unknown>>[]
): ReadonlyMap<string, Readonly<Record<string, number>>> {
  const map = new Map<string, Readonly<Record<string, number>>>();
  for (const m of modules) {
    for (const [k, v] of Object.entries(m)) {
      if (/^[a-z][a-z0-9_]*$/.test(k) && typeof v === "object" && v !== null) {
        map.set(k, v as Readonly<Record<string, number>>);
      }
    }
  }
  return map;
}

/** Every enum by C tag (`drm_panthor_vm_bind_op_flags`), as a name → value record. */
export const UAPI_ENUMS: ReadonlyMap<string, Readonly<Record<string, number>>> = enumsOf(
  panfrostConstants,
  panthorConstants,
);

function functionsOf(
  ...modules: readonly Readonly<Record<string, unknown>>[]
): ReadonlyMap<string, MacroFunction> {
  const map = new Map<string, MacroFunction>();
  for (const m of modules) {
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === "function") map.set(k, v as MacroFunction);
    }
  }
  return map;
}

/** A function mirroring a function-like macro. */
export type MacroFunction = (...args: never[]) => unknown;

/**
 * Every function-like macro by name (`DRM_PANTHOR_ARCH_MAJOR`, `DRM_IOWR`,
 * `DRM_PANTHOR_OBJ_ARRAY`).
 */
export const UAPI_FUNCTION_MACROS: ReadonlyMap<string, MacroFunction> = functionsOf(
  panthorMacros,
  drmIoc,
);

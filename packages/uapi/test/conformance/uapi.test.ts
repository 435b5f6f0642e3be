/**
 * Golden conformance: every struct (sizeof, alignment, each field's offset/size/type), every
 * constant, enum, function-like macro and ioctl number found in `$PANMMU_GOLDEN_ROOT/uapi`
 * is looked up by its kernel name in this package's tables and compared. Nothing here names a
 * golden item: unknown names fail.
 */
import { goldenBigInt, loadGoldenCases } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import {
  _IOC,
  AnonUnionType,
  type AnyStruct,
  ArrayType,
  DRM_COMMAND_BASE,
  type FieldType,
  type IoctlDesc,
  ioctlDir,
  ioctlNr,
  ioctlSize,
  ioctlType,
  StructType,
  UAPI_CONSTANTS,
  UAPI_ENUMS,
  UAPI_FUNCTION_MACROS,
  UAPI_IOCTLS,
  UAPI_LATER_IOCTLS,
  UAPI_LATER_STRUCTS,
  UAPI_STRUCTS,
  type UnionMembers,
} from "../../src/index.js";
import {
  asUapiDoc,
  type GoldenConstant,
  type GoldenField,
  type GoldenIoctl,
  type GoldenStruct,
  structName,
} from "./golden-schema.js";
import { leafPaths, setPath } from "./leaves.js";
import { checkStructuredMacro } from "./macros.js";

const DIR_OF_MACRO: Readonly<Record<string, number>> = {
  DRM_IO: 0,
  DRM_IOW: 1,
  DRM_IOR: 2,
  DRM_IOWR: 3,
};

function checkArray(type: FieldType<unknown>, g: GoldenField, where: string): void {
  if (g.array_len === undefined) return;
  expect(type, `${where} should be an array`).toBeInstanceOf(ArrayType);
  const arr = type as ArrayType<unknown>;
  expect(arr.len, `${where} length`).toBe(g.array_len);
  if (g.elem_size !== undefined) expect(arr.elem.size, `${where} element size`).toBe(g.elem_size);
}

/**
 * Compares a struct's declared fields with golden ones. `base` is the struct's absolute offset;
 * golden offsets are relative (with `abs_offset`) inside nested structs and absolute inside
 * union members.
 */
function checkFields(
  mine: AnyStruct,
  golden: readonly GoldenField[],
  base: number,
  absolute: boolean,
  where: string,
): void {
  const real = golden.filter((g) => g.implicit !== true);
  expect(
    mine.fields.map((f) => f.name),
    `${where}: field names in order`,
  ).toEqual(real.map((g) => g.name));
  for (const g of golden) {
    const abs = g.abs_offset ?? (absolute ? g.offset : base + g.offset);
    const path = `${where}.${g.name}`;
    if (g.implicit === true) {
      expect(mine.padding, `${path} at ${abs}`).toContainEqual({
        offset: abs - base,
        size: g.size,
      });
      continue;
    }
    const f = mine.field(g.name);
    if (f === undefined) throw new Error(`${path}: no such field in this package`);
    expect(base + f.offset, `${path} offset`).toBe(abs);
    expect(f.size, `${path} size`).toBe(g.size);
    expect(f.ctype, `${path} ctype`).toBe(g.ctype);
    if (g.must_be_zero === true) expect(f.mustBeZero, `${path} must be zero`).toBe(true);
    checkArray(f.type, g, path);
    if (g.fields !== undefined) {
      expect(f.type, `${path} should be a struct`).toBeInstanceOf(StructType);
      checkFields(f.type as AnyStruct, g.fields, abs, false, path);
    }
    if (g.members !== undefined) {
      expect(f.type, `${path} should be an anonymous union`).toBeInstanceOf(AnonUnionType);
      const union = f.type as AnonUnionType<UnionMembers>;
      expect(union.size, `${path} size`).toBe(g.size);
      expect([...union.memberNames].sort(), `${path} members`).toEqual(
        g.members.map((m) => m.name).sort(),
      );
      for (const m of g.members) {
        const type = union.members[m.name];
        if (type === undefined) throw new Error(`${path}.${m.name}: no such union member`);
        expect(m.abs_offset ?? m.offset, `${path}.${m.name} offset`).toBe(abs);
        expect(type.size, `${path}.${m.name} size`).toBe(m.size);
        expect(type.ctype, `${path}.${m.name} ctype`).toBe(m.ctype);
        checkArray(type, m, `${path}.${m.name}`);
        if (m.fields !== undefined) {
          expect(type).toBeInstanceOf(StructType);
          checkFields(type as AnyStruct, m.fields, abs, true, `${path}.${m.name}`);
        }
      }
    }
  }
}

/** Each scalar leaf set to all-ones must land exactly on its own bytes. */
function checkLeafBytes(mine: AnyStruct): void {
  for (const leaf of leafPaths(mine)) {
    const value = setPath(mine.zero(), leaf.path, leaf.ones);
    const bytes = mine.encode(value as never);
    expect(bytes.length).toBe(mine.size);
    for (let i = 0; i < bytes.length; i++) {
      const inside = i >= leaf.offset && i < leaf.offset + leaf.size;
      expect(bytes[i], `${mine.name}.${leaf.path.join(".")} byte ${i}`).toBe(inside ? 0xff : 0);
    }
  }
}

function checkStruct(table: ReadonlyMap<string, AnyStruct>, g: GoldenStruct): void {
  const name = structName(g.name);
  const mine = table.get(name);
  if (mine === undefined) throw new Error(`struct ${name}: not modelled by @panmmu/uapi`);
  expect(mine.size, "sizeof").toBe(g.sizeof);
  expect(mine.align, "alignment").toBe(g.alignment);
  checkFields(mine, g.fields, 0, false, name);
  checkLeafBytes(mine);
}

function checkConstant(k: GoldenConstant): void {
  const mine = UAPI_CONSTANTS.get(k.name);
  if (mine === undefined) throw new Error(`constant ${k.name}: not modelled by @panmmu/uapi`);
  expect(BigInt(mine), k.name).toBe(goldenBigInt(k.value));
  expect(BigInt.asUintN(64, BigInt(mine)), `${k.name} bits`).toBe(goldenBigInt(k.hex));
}

function checkIoctl(table: ReadonlyMap<string, IoctlDesc>, g: GoldenIoctl): void {
  const d = table.get(g.name);
  if (d === undefined) throw new Error(`ioctl ${g.name}: not modelled by @panmmu/uapi`);
  const dir = DIR_OF_MACRO[g.macro];
  if (dir === undefined) throw new Error(`ioctl ${g.name}: unknown macro ${g.macro}`);
  expect(d.request, "request").toBe(g.request);
  expect(d.request, "request_hex").toBe(Number(g.request_hex));
  expect(d.nr, "nr").toBe(g.nr);
  expect(d.dir, "dir").toBe(dir);
  expect(d.size, "size").toBe(g.arg_size);
  expect(d.codec.name, "argument struct").toBe(structName(g.arg_struct));
  expect(d.codec.size, "argument struct size").toBe(g.arg_size);
  expect(ioctlNr(g.request)).toBe(g.nr);
  expect(ioctlSize(g.request)).toBe(g.arg_size);
  expect(ioctlDir(g.request)).toBe(dir);
  expect(ioctlType(g.request)).toBe(g.type.charCodeAt(0));
  expect(_IOC(dir, g.type, g.nr, g.arg_size)).toBe(g.request);
  if (g.command_index !== undefined) expect(g.nr - DRM_COMMAND_BASE).toBe(g.command_index);
}

/** `((x) >> 24) & 0xf`-style expansions: shift and mask, or undefined if not of that form. */
function parseShiftMask(expansion: string): { shift: number; mask: number } | undefined {
  const s = expansion.replace(/[\s()]/g, "");
  const m = /^x(?:>>(\d+))?(?:&(0x[0-9a-fA-F]+|\d+))?$/.exec(s);
  if (m === null) return undefined;
  return { shift: Number(m[1] ?? 0), mask: m[2] === undefined ? 0xffffffff : Number(m[2]) };
}

const SAMPLES = [0, 1, 0xffffffff, 0x80000000, 0x12345678, 0xa8670010, 0x0fedcba9, 0x55aa55aa];

const cases = loadGoldenCases("uapi");
const allIoctls = cases.flatMap((c) => {
  const doc = asUapiDoc(c.document, c.file);
  return [...doc.ioctls, ...(doc.later_kernel_layouts?.ioctls ?? [])];
});

describe("uapi golden conformance", () => {
  it("finds golden documents", () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const c of cases) {
    const doc = asUapiDoc(c.document, c.file);
    describe(c.title, () => {
      for (const s of doc.structs) {
        it(s.name, () => checkStruct(UAPI_STRUCTS, s));
      }
      for (const s of doc.later_kernel_layouts?.structs ?? []) {
        it(`${s.name} (later kernels)`, () => checkStruct(UAPI_LATER_STRUCTS, s));
      }
      for (const k of [...doc.constants, ...(doc.later_kernel_layouts?.constants ?? [])]) {
        it(`constant ${k.name}`, () => checkConstant(k));
      }
      for (const e of doc.enums) {
        it(e.name, () => {
          const tag = e.name.replace(/^enum\s+/, "");
          const mine = UAPI_ENUMS.get(tag);
          if (mine === undefined && !tag.includes("anonymous")) {
            throw new Error(`${e.name}: not modelled by @panmmu/uapi`);
          }
          // Every golden member must exist with its value; this package may know newer members.
          for (const m of e.members) {
            if (mine !== undefined) expect(mine[m.name], m.name).toBe(m.value);
            const single = UAPI_CONSTANTS.get(m.name);
            if (single === undefined) throw new Error(`${m.name}: not exported`);
            expect(single, m.name).toBe(m.value);
            expect(Number(single) >>> 0, `${m.name} bits`).toBe(Number(m.hex));
          }
        });
      }
      for (const m of doc.function_macros) {
        it(`macro ${m.name}`, () => {
          const name = m.name.replace(/\(.*$/, "");
          const fn = UAPI_FUNCTION_MACROS.get(name);
          if (fn === undefined) throw new Error(`macro ${name}: not modelled by @panmmu/uapi`);
          const sm = parseShiftMask(m.expansion);
          if (sm === undefined) {
            checkStructuredMacro(name, m.expansion, fn, {
              ioctls: allIoctls,
              ownIoctls: doc.ioctls,
              structs: doc.structs,
            });
            return;
          }
          const f = fn as unknown as (x: number) => number;
          for (const x of SAMPLES) {
            expect(f(x), `${name}(${x})`).toBe(((x >>> sm.shift) & sm.mask) >>> 0);
          }
        });
      }
      for (const i of doc.ioctls) {
        it(i.name, () => checkIoctl(UAPI_IOCTLS, i));
      }
      for (const i of doc.later_kernel_layouts?.ioctls ?? []) {
        it(`${i.name} (later kernels)`, () => checkIoctl(UAPI_LATER_IOCTLS, i));
      }
    });
  }
});

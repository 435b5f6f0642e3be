/**
 * Conformance checks of the function-like macros whose golden expansion is not a plain
 * shift-and-mask: the DRM ioctl builders, DRM_IOCTL_PANTHOR() and DRM_PANTHOR_OBJ_ARRAY().
 * Each check reads the golden expansion, so a macro this file does not understand fails.
 */
import { expect } from "vitest";
import { DrmPanthorObjArray } from "../../src/index.js";
import type { GoldenIoctl, GoldenStruct } from "./golden-schema.js";

/** The asm-generic request number, written out here from the `_IOC` layout. */
function ioc(dir: number, type: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
}

/** `_IO`, `_IOW`, `_IOR`, `_IOWR` suffix to the direction bits (write 1, read 2). */
const DIR_OF_SUFFIX: Readonly<Record<string, number>> = { "": 0, W: 1, R: 2, WR: 3 };

const NR_SAMPLES = [0, 1, 0x40, 0x4d, 0xff];
const SIZE_SAMPLES = [0, 4, 8, 24, 64, 0x3fff];
const DRM_MAGIC = "d".charCodeAt(0);
const COMMAND_BASE = 0x40;

type Ioc = (nr: number, size?: number) => number;
type PanthorIoc = (access: string, id: number, codec: { size: number }) => number;
type ObjArray = (
  count: number,
  ptr: bigint,
  codec: { size: number },
) => { stride: number; count: number; array: bigint };

/** What the macro check needs besides the macro itself. */
export interface MacroContext {
  /** Every golden ioctl of every document. */
  readonly ioctls: readonly GoldenIoctl[];
  /** Golden ioctls of the macro's own document (the DRM_IOCTL_<DRIVER> users). */
  readonly ownIoctls: readonly GoldenIoctl[];
  /** Golden structs of the macro's own document. */
  readonly structs: readonly GoldenStruct[];
}

/** `DRM_IO(nr)`, `DRM_IOW(nr,type)`...: `_IO<dir>(DRM_IOCTL_BASE, nr[, type])`. */
function checkDrmIoc(name: string, expansion: string, fn: Ioc, ctx: MacroContext): void {
  const m = /^_IO(WR|R|W)?\(DRM_IOCTL_BASE,nr(,type)?\)$/.exec(expansion.replace(/\s/g, ""));
  if (m === null) throw new Error(`${name}: unexpected expansion ${expansion}`);
  const dir = DIR_OF_SUFFIX[m[1] ?? ""]!;
  const sizes = m[2] === undefined ? [0] : SIZE_SAMPLES;
  for (const nr of NR_SAMPLES) {
    for (const size of sizes) {
      expect(fn(nr, size), `${name}(${nr}, ${size})`).toBe(ioc(dir, DRM_MAGIC, nr, size));
    }
  }
  for (const g of ctx.ioctls.filter((i) => i.macro === name)) {
    expect(fn(g.nr, g.arg_size), g.name).toBe(g.request);
  }
}

/** `DRM_IOCTL_PANTHOR(__access, __id, __type)`: `DRM_IO ## __access(DRM_COMMAND_BASE + id, type)`. */
function checkDriverIoctl(name: string, expansion: string, fn: PanthorIoc, ctx: MacroContext) {
  if (!/^DRM_IO##__access\(DRM_COMMAND_BASE\+/.test(expansion.replace(/\s/g, ""))) {
    throw new Error(`${name}: unexpected expansion ${expansion}`);
  }
  expect(ctx.ownIoctls.length, `${name}: golden users`).toBeGreaterThan(0);
  for (const g of ctx.ownIoctls) {
    const id = g.nr - COMMAND_BASE;
    const access = g.macro.replace(/^DRM_IO/, "");
    expect(fn(access, id, { size: g.arg_size }), g.name).toBe(g.request);
    for (const [suffix, dir] of Object.entries(DIR_OF_SUFFIX)) {
      if (suffix === "") continue;
      expect(fn(suffix, id, { size: g.arg_size }), `${name}(${suffix}, ${id})`).toBe(
        ioc(dir, DRM_MAGIC, g.nr, g.arg_size),
      );
    }
  }
}

/** `DRM_PANTHOR_OBJ_ARRAY(cnt, ptr)`: `{ .stride = sizeof((ptr)[0]), .count = (cnt), .array = ptr }`. */
function checkObjArray(name: string, expansion: string, fn: ObjArray, ctx: MacroContext): void {
  const inits = new Map(
    [...expansion.replace(/\s/g, "").matchAll(/\.(\w+)=([^,}]+)/g)].map((m) => [m[1]!, m[2]!]),
  );
  expect([...inits.keys()].sort(), `${name} initialised fields`).toEqual([
    "array",
    "count",
    "stride",
  ]);
  expect(inits.get("stride"), `${name} .stride`).toBe("sizeof((ptr)[0])");
  expect(inits.get("count"), `${name} .count`).toBe("(cnt)");
  const layout = ctx.structs.find((s) => s.name === "struct drm_panthor_obj_array");
  if (layout === undefined) throw new Error(`${name}: no golden drm_panthor_obj_array`);
  const offsetOf = (f: string): number => {
    const g = layout.fields.find((x) => x.name === f);
    if (g === undefined) throw new Error(`drm_panthor_obj_array.${f}: not in the golden`);
    return g.offset;
  };
  for (const [count, ptr, elemSize] of [
    [3, 0x7f00_1000n, 48],
    [1, 0x1000n, 16],
    [0x10000, 0xffff_ffff_f000n, 24],
  ] as const) {
    const v = fn(count, ptr, { size: elemSize });
    expect(v, `${name}(${count}, ${ptr})`).toEqual({ stride: elemSize, count, array: ptr });
    const view = new DataView(DrmPanthorObjArray.encode(v).buffer);
    expect(view.getUint32(offsetOf("stride"), true), "stride bytes").toBe(elemSize);
    expect(view.getUint32(offsetOf("count"), true), "count bytes").toBe(count);
    expect(view.getBigUint64(offsetOf("array"), true), "array bytes").toBe(ptr);
  }
}

/**
 * Checks `fn` against a golden macro whose expansion is not a shift-and-mask.
 *
 * @throws Error for a macro without a check here, so that none passes unchecked.
 */
export function checkStructuredMacro(
  name: string,
  expansion: string,
  fn: unknown,
  ctx: MacroContext,
): void {
  if (/^DRM_IO(WR|R|W)?$/.test(name)) {
    checkDrmIoc(name, expansion, fn as Ioc, ctx);
  } else if (name === "DRM_IOCTL_PANTHOR") {
    checkDriverIoctl(name, expansion, fn as PanthorIoc, ctx);
  } else if (name === "DRM_PANTHOR_OBJ_ARRAY") {
    checkObjArray(name, expansion, fn as ObjArray, ctx);
  } else {
    throw new Error(`macro ${name}: no conformance check for expansion ${expansion}`);
  }
}

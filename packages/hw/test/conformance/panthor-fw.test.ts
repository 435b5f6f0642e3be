/**
 * The CSF firmware interface against the kernel's own layout (`regs/panthor-fw.json`, schema
 * panthor-fw-iface/1, measured by compiling panthor_fw.h/.c): every field offset and size of
 * every interface and image struct, every constant, every function-like macro's behaviour.
 * One test per struct, per constant and per macro; any file of the schema under
 * `${PANMMU_GOLDEN_ROOT}/regs` is checked the same way.
 */
import { loadGoldenFiles } from "@panmmu/fixtures";
import { type FieldInfo, type FieldsDesc, StructType } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import * as hw from "../../src/index.js";

interface GoldenField {
  offset: number;
  size: number;
  type: string;
  count?: number;
  element_size?: number;
}
interface GoldenStruct {
  size: number;
  align: number;
  fields: Record<string, GoldenField>;
}
interface GoldenMacro {
  params: string[];
  form: "field" | "linear" | "bit" | "pack" | "statement";
  input_mask?: string;
  output_mask?: string;
  shift?: number;
  bias?: string;
  base?: string;
  stride?: string;
  shifts?: Record<string, number>;
  samples?: Record<string, string>;
}
interface GoldenDoc {
  schema: string;
  structs: Record<string, GoldenStruct>;
  constants: Record<string, string>;
  macros: Record<string, GoldenMacro>;
}

const docs = loadGoldenFiles("regs")
  .filter((f) => (f.data as { schema?: unknown }).schema === "panthor-fw-iface/1")
  .map((f) => ({ file: f.file, doc: f.data as GoldenDoc }));

/** Every field of `s` with dotted names for nested structs, as the golden lists them. */
function flatFields(s: StructType<FieldsDesc>, prefix = "", base = 0): Map<string, FieldInfo> {
  const out = new Map<string, FieldInfo>();
  for (const f of s.fields) {
    const name = prefix + f.name;
    out.set(name, { ...f, offset: base + f.offset });
    if (f.type instanceof StructType) {
      for (const [k, v] of flatFields(
        f.type as StructType<FieldsDesc>,
        `${name}.`,
        base + f.offset,
      )) {
        out.set(k, v);
      }
    }
  }
  return out;
}

const exported = hw as unknown as Record<string, unknown>;

/** The model's function for each macro (kernel name → implementation). */
const MACROS: Record<string, (...args: number[]) => number> = {
  CS_FEATURES_WORK_REGS: hw.csFeaturesWorkRegs,
  CS_FEATURES_SCOREBOARDS: hw.csFeaturesScoreboards,
  CS_CONFIG_PRIORITY: hw.csConfigPriority,
  CS_CONFIG_DOORBELL: hw.csConfigDoorbell,
  CS_EXCEPTION_TYPE: hw.csExceptionType,
  CS_EXCEPTION_DATA: hw.csExceptionData,
  CSG_EP_REQ_COMPUTE: hw.csgEpReqCompute,
  CSG_EP_REQ_FRAGMENT: hw.csgEpReqFragment,
  CSG_EP_REQ_TILER: hw.csgEpReqTiler,
  CSG_EP_REQ_PRIORITY: hw.csgEpReqPriority,
  CSG_EP_REQ_PRIORITY_GET: hw.csgEpReqPriorityGet,
  GLB_STATE: hw.glbState,
  GLB_STATE_GET: hw.glbStateGet,
  GLB_TIMER_VAL: hw.glbTimerVal,
  CSF_FW_BINARY_ENTRY_TYPE: hw.csfFwBinaryEntryType,
  CSF_FW_BINARY_ENTRY_SIZE: hw.csfFwBinaryEntrySize,
  CSF_IFACE_VERSION: hw.csfIfaceVersion,
  CSF_IFACE_VERSION_MAJOR: hw.csfIfaceVersionMajor,
  CSF_IFACE_VERSION_MINOR: hw.csfIfaceVersionMinor,
  CSF_IFACE_VERSION_PATCH: hw.csfIfaceVersionPatch,
  GPU_ARCH_MAJOR: hw.gpuArchMajor,
  GPU_ARCH_MINOR: hw.gpuArchMinor,
  JOB_INT_CSG_IF: hw.jobIntCsgIf,
  CSF_DOORBELL: hw.csfDoorbell,
  panthor_fw_toggle_reqs: hw.fwToggleReqs,
  panthor_fw_update_reqs: hw.fwUpdateReqs,
};

/** 32-bit inputs for the field forms: edges, single bits and a seeded spread. */
function sampleInputs(): number[] {
  const xs = [0, 1, 0xff, 0x100, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];
  for (let b = 0; b < 32; b++) xs.push((1 << b) >>> 0);
  let s = 0x9e37_79b9;
  for (let i = 0; i < 256; i++) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    xs.push(s);
  }
  return xs;
}

/** The golden formula of a field macro. */
function fieldForm(m: GoldenMacro, x: number): number {
  const masked = BigInt(x) & BigInt(m.input_mask as string);
  const shift = m.shift as number;
  const moved = shift >= 0 ? masked << BigInt(shift) : masked >> BigInt(-shift);
  return Number((moved + BigInt(m.bias as string)) & 0xffff_ffffn);
}

describe.each(docs)("panthor-fw interface ($file)", ({ doc }) => {
  it("has structs, constants and macros to check", () => {
    expect(Object.keys(doc.structs).length).toBeGreaterThan(0);
    expect(Object.keys(doc.constants).length).toBeGreaterThan(0);
    expect(Object.keys(doc.macros).length).toBeGreaterThan(0);
  });

  describe("structs", () => {
    it.each(Object.entries(doc.structs))("%s", (name, g) => {
      const s = hw.CSF_FW_STRUCTS[name];
      expect(s, `no struct ${name}`).toBeDefined();
      const mine = flatFields(s as StructType<FieldsDesc>);
      expect(s?.size).toBe(g.size);
      expect(s?.align).toBe(g.align);
      expect([...mine.keys()]).toEqual(Object.keys(g.fields));
      for (const [field, gf] of Object.entries(g.fields)) {
        const f = mine.get(field) as FieldInfo;
        expect({ field, offset: f.offset, size: f.size }).toEqual({
          field,
          offset: gf.offset,
          size: gf.size,
        });
        if (gf.type !== "struct" && gf.count === undefined) {
          expect(f.ctype, field).toBe(`__${gf.type}`);
        }
        if (gf.count !== undefined) expect(f.ctype, field).toBe(`__${gf.type}[${gf.count}]`);
      }
    });
  });

  describe("constants", () => {
    it.each(Object.entries(doc.constants))("%s", (name, value) => {
      expect(exported[name], name).toBe(Number(value));
    });
  });

  describe("macros", () => {
    it.each(Object.entries(doc.macros))("%s", (name, m) => {
      if (name === "panthor_fw_update_reqs64") {
        // The 64-bit request update (endpoint_req2).
        const mask = 0xf000_0000_0000_00ffn;
        expect(hw.fwUpdateReqs64(0x1234_5678_9abc_def0n, 0xffff_ffff_ffff_ffffn, mask)).toBe(
          0xf234_5678_9abc_deffn,
        );
        return;
      }
      const fn = MACROS[name];
      expect(fn, `no implementation of ${name}`).toBeDefined();
      const f = fn as (...args: number[]) => number;
      const xs = sampleInputs();
      switch (m.form) {
        case "field":
          for (const x of xs)
            expect(f(x) >>> 0, `${name}(0x${x.toString(16)})`).toBe(fieldForm(m, x));
          break;
        case "linear":
          for (let i = 0; i < 64; i++) {
            expect(f(i), `${name}(${i})`).toBe(Number(m.base) + i * Number(m.stride));
          }
          break;
        case "bit":
          for (let x = 0; x < 32; x++) expect(f(x), `${name}(${x})`).toBe(2 ** x);
          break;
        case "pack": {
          const shifts = m.shifts as Record<string, number>;
          for (const [version, packed] of Object.entries(m.samples ?? {})) {
            const parts = version.split(".").map(Number);
            expect(f(...parts), version).toBe(Number(packed));
          }
          const args = m.params.map((_p, i) => (i + 1) * 3);
          const expected = m.params.reduce(
            (acc, p, i) => acc + (args[i] as number) * 2 ** (shifts[p] as number),
            0,
          );
          expect(f(...args)).toBe(expected);
          break;
        }
        case "statement":
          // The req/ack helpers: toggle sets each masked bit to the opposite of ack; update
          // writes the masked bits of the value; both keep the bits outside the mask.
          for (let i = 0; i + 2 < xs.length; i++) {
            const [a, b, mask] = [xs[i] as number, xs[i + 1] as number, xs[i + 2] as number];
            const kept = (a & ~mask) >>> 0;
            const expected =
              name === "panthor_fw_toggle_reqs"
                ? (kept | ((~b & mask) >>> 0)) >>> 0
                : (kept | ((b & mask) >>> 0)) >>> 0;
            expect(f(a, b, mask)).toBe(expected);
          }
          break;
      }
    });
  });
});

/**
 * The job-format and job-register constants checked against the golden data (jobs.json and
 * regs/panfrost.json, exceptions.json).
 */
import { goldenNumber, loadGoldenFiles, packagedGoldenRoot } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import { JobHeaderFlag, JobHeaderOffset, JobType } from "../../src/jobs/descriptor.js";
import { JobException } from "../../src/jobs/exception-codes.js";
import {
  igtJobLoopImage,
  igtNullJobImage,
  igtWriteValueJobImage,
} from "../../src/jobs/igt-images.js";
import {
  JOB_CONTROL_BASE,
  JobControlReg,
  JsCommand,
  JsConfig,
  JsReg,
  jobIntDone,
  jobIntErr,
  jsRegOffset,
} from "../../src/jobs/registers.js";
import { CacheFlushBits, WriteValueOffset, WriteValueType } from "../../src/jobs/write-value.js";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => v as Json;
const arr = (v: unknown): Json[] => v as Json[];

function doc(area: string, file: string): Json {
  const f = loadGoldenFiles(area, packagedGoldenRoot()).find((g) => g.file === file);
  if (f === undefined) throw new Error(`${area}/${file} missing`);
  return obj(f.data);
}

describe("golden jobs.json", () => {
  const jobs = doc("jobs", "jobs.json");

  it("header field byte offsets", () => {
    const fields = arr(obj(jobs.job_header).v4_v7);
    const byName = new Map(fields.map((f) => [f.name as string, f]));
    const expectOffset = (name: string, off: number) =>
      expect(byName.get(name)?.byte_offset).toBe(off);
    expectOffset("exception_status", JobHeaderOffset.EXCEPTION_STATUS);
    expectOffset("first_incomplete_task", JobHeaderOffset.FIRST_INCOMPLETE_TASK);
    expectOffset("fault_pointer", JobHeaderOffset.FAULT_POINTER);
    expectOffset("is_64b", JobHeaderOffset.TYPE_BYTE);
    expectOffset("index", JobHeaderOffset.INDEX);
    expectOffset("dependency_1", JobHeaderOffset.DEPENDENCY_1);
    expectOffset("dependency_2", JobHeaderOffset.DEPENDENCY_2);
    expectOffset("next", JobHeaderOffset.NEXT);
    const bit = (name: string) => 1 << ((byName.get(name)?.abs_bit as number) - 128);
    expect(bit("is_64b")).toBe(JobHeaderFlag.IS_64B);
    expect(bit("barrier")).toBe(JobHeaderFlag.BARRIER);
    expect(bit("invalidate_cache")).toBe(JobHeaderFlag.INVALIDATE_CACHE);
    expect(bit("suppress_prefetch")).toBe(JobHeaderFlag.SUPPRESS_PREFETCH);
    expect(bit("enable_texture_mapper")).toBe(JobHeaderFlag.ENABLE_TEXTURE_MAPPER);
    expect(bit("relax_dependency_1")).toBe(JobHeaderFlag.RELAX_DEPENDENCY_1);
    expect(bit("relax_dependency_2")).toBe(JobHeaderFlag.RELAX_DEPENDENCY_2);
  });

  it("job types; MEMORY_PROGRAM is unused by every generation", () => {
    const enums = obj(jobs.job_type_enum);
    const names = JobType as Record<string, number>;
    for (const list of Object.values(enums)) {
      for (const [value, name] of list as [number, string][]) {
        expect(names[name]).toBe(value);
        expect(value).not.toBe(JobType.MEMORY_PROGRAM);
      }
    }
  });

  it("Write Value payload and type enum, CACHE_FLUSH bits", () => {
    const wv = obj(jobs.write_value);
    const payload = new Map(
      arr(wv.payload_v6_v7_v9).map((f) => [f.name as string, f.byte_offset_in_job]),
    );
    expect(payload.get("address")).toBe(WriteValueOffset.ADDRESS);
    expect(payload.get("type")).toBe(WriteValueOffset.TYPE);
    expect(payload.get("immediate_value")).toBe(WriteValueOffset.IMMEDIATE);
    for (const [value, name] of obj(wv.type_enum).v6_v7_v9 as [number, string][]) {
      expect((WriteValueType as Record<string, number>)[name]).toBe(value);
    }
    const bits = CacheFlushBits as Record<string, number>;
    for (const f of arr(obj(jobs.cache_flush).payload)) {
      expect(bits[(f.name as string).toUpperCase()]).toBe(1 << (f.bit_in_word as number));
    }
  });

  it("IGT images match the recorded encodings", () => {
    const igt = obj(jobs.igt_encodings);
    const word4 = (b: Uint8Array, off = 0) => new DataView(b.buffer).getUint32(off + 16, true);
    expect(word4(igtNullJobImage())).toBe(goldenNumber(obj(igt.null_job).header_word4 as string));
    expect(word4(igtWriteValueJobImage(0x1000, false))).toBe(
      goldenNumber(obj(igt.write_value_job).header_word4 as string),
    );
    const loop = obj(igt.job_loop);
    const w = goldenNumber((loop.header_word4 as string).split(" ")[0]!);
    const img = igtJobLoopImage(0x1000);
    expect(word4(img, 0)).toBe(w);
    expect(word4(img, loop.job_stride as number)).toBe(w);
    expect(img.length).toBe(loop.bo_size_requested);
  });

  it("exception codes used by the job engine", () => {
    const codes = obj(jobs.exception_codes_used_here);
    const want: [string, number][] = [
      ["0x01", JobException.DONE],
      ["0x03", JobException.STOPPED],
      ["0x04", JobException.TERMINATED],
      ["0x08", JobException.ACTIVE],
      ["0x40", JobException.JOB_CONFIG_FAULT],
      ["0x48", JobException.JOB_BUS_FAULT],
      ["0x58", JobException.DATA_INVALID_FAULT],
    ];
    for (const [hex, code] of want) {
      expect(codes[hex]).toBeDefined();
      expect(goldenNumber(hex)).toBe(code);
    }
  });
});

describe("golden regs (panfrost)", () => {
  const jc = obj(doc("regs", "panfrost.json").job_control);

  it("JOB_INT_* offsets", () => {
    const regs = JobControlReg as Record<string, number>;
    for (const r of arr(jc.registers)) {
      expect(JOB_CONTROL_BASE + (regs[r.name as string] ?? -1)).toBe(r.offset);
    }
  });

  it("per-slot JS_* offsets for every listed slot", () => {
    const map: Record<string, number> = {
      JS_HEAD_LO: JsReg.HEAD_LO,
      JS_HEAD_HI: JsReg.HEAD_HI,
      JS_TAIL_LO: JsReg.TAIL_LO,
      JS_TAIL_HI: JsReg.TAIL_HI,
      JS_AFFINITY_LO: JsReg.AFFINITY_LO,
      JS_AFFINITY_HI: JsReg.AFFINITY_HI,
      JS_CONFIG: JsReg.CONFIG,
      JS_XAFFINITY: JsReg.XAFFINITY,
      JS_COMMAND: JsReg.COMMAND,
      JS_STATUS: JsReg.STATUS,
      JS_HEAD_NEXT_LO: JsReg.HEAD_NEXT_LO,
      JS_HEAD_NEXT_HI: JsReg.HEAD_NEXT_HI,
      JS_AFFINITY_NEXT_LO: JsReg.AFFINITY_NEXT_LO,
      JS_AFFINITY_NEXT_HI: JsReg.AFFINITY_NEXT_HI,
      JS_CONFIG_NEXT: JsReg.CONFIG_NEXT,
      JS_COMMAND_NEXT: JsReg.COMMAND_NEXT,
      JS_FLUSH_ID_NEXT: JsReg.FLUSH_ID_NEXT,
    };
    const regs = arr(jc.per_slot_registers);
    expect(regs).toHaveLength(Object.keys(map).length);
    for (const r of regs) {
      const reg = map[(r.name as string).replace("(n)", "")];
      expect(reg).toBeDefined();
      for (const [slot, abs] of Object.entries(obj(r.values))) {
        expect(JOB_CONTROL_BASE + jsRegOffset(Number(slot), reg!)).toBe(
          goldenNumber(abs as string),
        );
      }
    }
  });

  it("JS_COMMAND values, JS_CONFIG bits and JOB_INT bits", () => {
    for (const c of arr(jc.js_command_values)) {
      expect(
        (JsCommand as Record<string, number>)[(c.name as string).replace("JS_COMMAND_", "")],
      ).toBe(c.value);
    }
    for (const c of arr(jc.js_config_bits)) {
      if (c.value === undefined) continue;
      expect(
        (JsConfig as Record<string, number>)[(c.name as string).replace("JS_CONFIG_", "")],
      ).toBe(c.value);
    }
    for (const [slot, v] of Object.entries(obj(obj(jc.job_int_bits).values))) {
      expect(jobIntDone(Number(slot))).toBe(goldenNumber(obj(v).done as string));
      expect(jobIntErr(Number(slot))).toBe(goldenNumber(obj(v).err as string));
    }
  });

  it("exception names match the panfrost table", () => {
    const table = arr(doc("regs", "exceptions.json").panfrost);
    const byCode = new Map(table.map((e) => [e.code as number, e.name as string]));
    for (const [name, code] of Object.entries(JobException)) {
      if (name === "NOT_STARTED") expect(byCode.get(code)).toBe("OK");
      else expect(byCode.get(code)).toBe(name);
    }
  });
});

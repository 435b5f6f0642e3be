import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JobHeaderOffset } from "../../src/jobs/descriptor.js";
import { JobException } from "../../src/jobs/exception-codes.js";
import { disassembleProgram, ProgramBuilder } from "../../src/jobs/program/builder.js";
import { encodeProgramJob, PROGRAM_JOB_SIZE } from "../../src/jobs/program/program-job.js";
import { JsCommand, JsReg, jsRegOffset } from "../../src/jobs/registers.js";
import { GpuAccessKind } from "../../src/mmu/gpu-access.js";
import { firstDiff, Rig } from "./helpers.js";

const AS = 2;
const JOB = 0x40_0000;
const PROG = 0x40_1000;
const DATA = 0x50_0000;

/** Places a MEMORY_PROGRAM job at JOB with its program at PROG, and submits it on `slot`. */
function runProgram(r: Rig, p: ProgramBuilder, slot = 0, submit = true): void {
  const code = p.buildBytes();
  if (!r.port.maps.get(AS)?.has(JOB / 4096)) r.bo(AS, JOB, 4096);
  if (!r.port.maps.get(AS)?.has(PROG / 4096)) r.bo(AS, PROG, Math.max(code.length, 4096));
  const job = new Uint8Array(PROGRAM_JOB_SIZE);
  encodeProgramJob(job, 0, { header: { index: 1 }, programVa: PROG, programLength: code.length });
  r.write(AS, JOB, job);
  r.write(AS, PROG, code);
  if (submit) r.submit(slot, JOB, AS);
}

describe("memory programs in MEMORY_PROGRAM jobs", () => {
  it("a job that reads back what it wrote succeeds", () => {
    const r = new Rig();
    r.bo(AS, DATA, 3 * 4096);
    runProgram(
      r,
      new ProgramBuilder()
        .write32(DATA + 0x10, 0xcafef00d)
        .check32(DATA + 0x10, 0xcafef00d)
        .write64(DATA + 0xffc, 0x11223344, 0x55667788)
        .check32(DATA + 0x1000, 0x55667788)
        .fill32(DATA + 0x1000, 0x2000, 0x5a5a5a5a)
        .checkFill32(DATA + 0x1000, 0x2000, 0x5a5a5a5a)
        .copy(DATA + 0x20, DATA + 0x1003, 9)
        .check32(DATA + 0x24, 0x5a5a5a5a)
        .end(),
    );
    expect(r.runUntilSlotEnds(0)).toBe(true);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.DONE);
    expect(r.rawstat).toBe(1);
    expect(r.u32(AS, JOB)).toBe(1);
    expect(r.u32(AS, DATA + 0x10)).toBe(0xcafef00d);
    expect(r.u32(AS, DATA + 0xffc)).toBe(0x11223344);
  });

  it("a CHECK32 mismatch fails DATA_INVALID_FAULT with the VA in fault_pointer", () => {
    const r = new Rig();
    r.bo(AS, DATA, 4096);
    runProgram(r, new ProgramBuilder().write32(DATA, 0xf0).check32(DATA + 4, 0xf0, 0xff));
    r.runUntilSlotEnds(0);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.DATA_INVALID_FAULT);
    expect(r.rawstat).toBe(1 << 16);
    expect(r.u32(AS, JOB)).toBe(JobException.DATA_INVALID_FAULT);
    expect(r.u32(AS, JOB + 8)).toBe(DATA + 4);
  });

  it("CHECK32 compares only masked bits; CHECK_FILL32 reports the first differing word", () => {
    const r = new Rig();
    r.bo(AS, DATA, 8192);
    runProgram(
      r,
      new ProgramBuilder()
        .write32(DATA, 0x12345678)
        .check32(DATA, 0xffff5678, 0x0000ffff)
        .fill32(DATA + 0x100, 0x1000, 9)
        .write32(DATA + 0x1008, 8)
        .checkFill32(DATA + 0x100, 0x1000, 9),
    );
    r.runUntilSlotEnds(0);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.DATA_INVALID_FAULT);
    expect(r.u32(AS, JOB + 8)).toBe(DATA + 0x1008);
  });

  it("HEAP_SAMPLE writes each address at itself, across pages", () => {
    const r = new Rig();
    r.bo(AS, DATA, 4 * 4096);
    runProgram(r, new ProgramBuilder().heapSample(DATA + 8, 40, 400));
    r.runUntilSlotEnds(0);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.DONE);
    for (let i = 0; i < 40; i++) expect(r.u32(AS, DATA + 8 + i * 400)).toBe(DATA + 8 + i * 400);
  });

  it("DELAY makes the job take that much virtual time", () => {
    const r = new Rig();
    runProgram(r, new ProgramBuilder().delay(3_000_000));
    r.runUntilSlotEnds(0);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.DONE);
    expect(r.loop.now).toBeGreaterThanOrEqual(3_000_000);
    expect(r.loop.now).toBeLessThan(3_100_000);
  });

  it.each([
    ["unknown opcode", new ProgramBuilder().raw(0x99), JobException.INSTR_INVALID_ENC],
    ["non-zero opcode bits", new ProgramBuilder().raw(0x100), JobException.INSTR_INVALID_ENC],
    ["truncated instruction", new ProgramBuilder().raw(1, DATA, 0), JobException.INSTR_INVALID_ENC],
    [
      "misaligned WRITE32",
      new ProgramBuilder().write32(DATA + 2, 1),
      JobException.INSTR_ALIGN_FAULT,
    ],
    ["FILL32 of 6 bytes", new ProgramBuilder().fill32(DATA, 6, 1), JobException.INSTR_ALIGN_FAULT],
    [
      "HEAP_SAMPLE stride 0",
      new ProgramBuilder().heapSample(DATA, 2, 0),
      JobException.INSTR_ALIGN_FAULT,
    ],
  ])("%s fails the job", (_n, p, code) => {
    const r = new Rig();
    r.bo(AS, DATA, 4096);
    runProgram(r, p);
    r.runUntilSlotEnds(0);
    expect(r.js(0, JsReg.STATUS)).toBe(code);
    expect(r.u32(AS, JOB)).toBe(code);
  });

  it("a bad payload (reserved word, misaligned length) is a JOB_CONFIG_FAULT", () => {
    const r = new Rig();
    runProgram(r, new ProgramBuilder().end(), 0, false);
    r.write(AS, JOB + 40, new Uint8Array([6, 0, 0, 0]));
    r.submit(0, JOB, AS);
    r.runUntilSlotEnds(0);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.JOB_CONFIG_FAULT);
  });

  it("a program fetched from an unmapped VA faults with an EXECUTE access", () => {
    const r = new Rig();
    r.bo(AS, JOB, 4096);
    const job = new Uint8Array(PROGRAM_JOB_SIZE);
    encodeProgramJob(job, 0, { header: { index: 1 }, programVa: 0x77_0000, programLength: 16 });
    r.write(AS, JOB, job);
    r.submit(0, JOB, AS);
    r.loop.runUntilIdle();
    expect(r.port.faults).toEqual([
      { as: AS, va: 0x77_0000, kind: GpuAccessKind.Execute, sourceId: 0 },
    ]);
  });

  it("a job touching an unmapped VA stalls mid-copy and completes after the mapping appears", () => {
    const r = new Rig();
    r.bo(AS, DATA, 4 * 4096);
    const src = new Uint8Array(4 * 4096);
    for (let i = 0; i < src.length; i++) src[i] = (i * 7 + 3) & 0xff;
    r.write(AS, DATA, src);
    const DST = 0x60_0000;
    r.bo(AS, DST, 2 * 4096); // the last two destination pages are missing
    runProgram(
      r,
      new ProgramBuilder().copy(DST + 100, DATA + 100, 4 * 4096 - 200).write32(DST, 0xdeadbeef),
    );
    r.loop.runUntilIdle();
    expect(r.jc.slotStalled(0)).toBe(true);
    expect(r.port.faults.map((f) => [f.va, f.kind])).toEqual([[DST + 0x2000, GpuAccessKind.Write]]);
    expect(r.rawstat).toBe(0);
    // The driver maps the page and clears the fault: the copy resumes where it stopped.
    r.bo(AS, DST + 0x2000, 4096);
    r.port.retry(AS);
    r.loop.runUntilIdle();
    expect(r.port.faults.map((f) => f.va)).toEqual([DST + 0x2000, DST + 0x3000]);
    r.bo(AS, DST + 0x3000, 4096);
    r.port.retry(AS);
    r.runUntilSlotEnds(0);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.DONE);
    expect(
      firstDiff(r.read(AS, DST + 100, 4 * 4096 - 200), src.subarray(100, 4 * 4096 - 100)),
    ).toBe(-1);
    expect(r.u32(AS, DST)).toBe(0xdeadbeef);
    expect(r.jc.slotStats(0).stalls).toBe(2);
  });

  it("a locked region makes the program wait until unlocked", () => {
    const r = new Rig();
    r.bo(AS, DATA, 4096);
    r.port.locks.set(AS, [DATA, DATA + 0x8000]);
    runProgram(r, new ProgramBuilder().write32(DATA, 5));
    r.loop.runUntilIdle();
    expect(r.jc.slotStalled(0)).toBe(true);
    expect(r.port.faults).toEqual([]);
    r.port.locks.delete(AS);
    r.port.retry(AS);
    r.runUntilSlotEnds(0);
    expect(r.u32(AS, DATA)).toBe(5);
  });

  it("SOFT_STOP ends a program between instructions; restarting from JS_TAIL finishes it", () => {
    const r = new Rig();
    r.bo(AS, DATA, 4096);
    const p = new ProgramBuilder();
    for (let i = 0; i < 50; i++) p.write32(DATA + i * 4, i + 1).delay(50_000);
    runProgram(r, p);
    r.loop.advance(1_000_000);
    r.jc.write32(jsRegOffset(0, JsReg.COMMAND), JsCommand.SOFT_STOP);
    r.runUntilSlotEnds(0);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.STOPPED);
    expect(r.js(0, JsReg.TAIL_LO)).toBe(JOB);
    expect(r.u32(AS, JOB + JobHeaderOffset.EXCEPTION_STATUS)).toBe(0);
    const resume = r.u32(AS, JOB + JobHeaderOffset.FIRST_INCOMPLETE_TASK);
    expect(resume).toBeGreaterThan(0);
    const written = Array.from({ length: 50 }, (_, i) => r.u32(AS, DATA + i * 4)).filter(
      (v) => v !== 0,
    ).length;
    expect(written).toBeGreaterThan(5);
    expect(written).toBeLessThan(50);
    expect(resume).toBe(written * 24);
    r.clear(0xffffffff);
    r.submit(0, r.js(0, JsReg.TAIL_LO), AS);
    r.runUntilSlotEnds(0);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.DONE);
    expect(r.u32(AS, JOB + JobHeaderOffset.FIRST_INCOMPLETE_TASK)).toBe(0);
    for (let i = 0; i < 50; i++) expect(r.u32(AS, DATA + i * 4)).toBe(i + 1);
  });

  it("COPY equals a byte copy for any alignment and length (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 0, max: 3 * 4096 }),
        (so, dof, len) => {
          const r = new Rig({ cost: { sliceNs: 500 } });
          r.bo(AS, DATA, 4 * 4096);
          r.bo(AS, 0x60_0000, 4 * 4096);
          const src = new Uint8Array(4 * 4096);
          for (let i = 0; i < src.length; i++) src[i] = (i * 31 + 1) & 0xff;
          r.write(AS, DATA, src);
          runProgram(r, new ProgramBuilder().copy(0x60_0000 + dof, DATA + so, len));
          r.runUntilSlotEnds(0);
          expect(r.js(0, JsReg.STATUS)).toBe(JobException.DONE);
          const got = r.read(AS, 0x60_0000, 4 * 4096);
          const want = new Uint8Array(4 * 4096);
          want.set(src.subarray(so, so + len), dof);
          expect(firstDiff(got, want)).toBe(-1);
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });

  it("disassembles what the builder encodes", () => {
    const words = new ProgramBuilder()
      .write32(0x1000, 5)
      .copy(0x2000, 0x3000, 64)
      .delay(9)
      .end()
      .build();
    expect(disassembleProgram(words)).toEqual([
      "WRITE32 0x1000 0x5",
      "COPY 0x2000 0x3000 0x40",
      "DELAY 9",
      "END",
    ]);
    expect(disassembleProgram([0x42])).toEqual(["<invalid 0x42 at word 0>"]);
  });
});

import { describe, expect, it } from "vitest";
import { JobException } from "../../src/jobs/exception-codes.js";
import { ProgramBuilder } from "../../src/jobs/program/builder.js";
import { MemoryProgramEngine, type ProgramResult } from "../../src/jobs/program/program-engine.js";
import { Rig } from "./helpers.js";

const AS = 4;
const DATA = 0x10_0000;

function engineRig() {
  const r = new Rig();
  const engine = new MemoryProgramEngine({ loop: r.loop, memory: r.memory, port: r.port });
  return { r, engine };
}

describe("MemoryProgramEngine (CSF side)", () => {
  it("runs a program given as words, reports DONE once with counters", () => {
    const { r, engine } = engineRig();
    r.bo(AS, DATA, 8192);
    const results: ProgramResult[] = [];
    const run = engine.runProgram(
      AS,
      new ProgramBuilder().fill32(DATA, 8192, 3).checkFill32(DATA, 8192, 3).build(),
      {
        onComplete: (res) => results.push(res),
      },
    );
    expect(engine.activeRuns).toBe(1);
    r.loop.runUntilIdle();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      status: JobException.DONE,
      faultVa: 0,
      instructions: 2,
      bytesMoved: 16384,
    });
    expect(results[0]!.endNs).toBe(r.loop.now);
    expect(run.done).toBe(true);
    expect(engine.activeRuns).toBe(0);
  });

  it("runs a program from GPU memory given by VA and bytes", () => {
    const { r, engine } = engineRig();
    r.bo(AS, DATA, 4096);
    r.bo(AS, 0x20_0000, 4096);
    const code = new ProgramBuilder().write32(DATA, 77).buildBytes();
    r.write(AS, 0x20_0000, code);
    let status = 0;
    engine.runProgram(AS, 0x20_0000, {
      length: code.length,
      onComplete: (res) => (status = res.status),
    });
    r.loop.runUntilIdle();
    expect(status).toBe(1);
    expect(r.u32(AS, DATA)).toBe(77);
    engine.runProgram(AS, new ProgramBuilder().check32(DATA, 78).buildBytes(), {
      onComplete: (res) => (status = res.status),
    });
    r.loop.runUntilIdle();
    expect(status).toBe(JobException.DATA_INVALID_FAULT);
  });

  it("stalls on a fault, resumes on retry, fails with the code on abort", () => {
    const { r, engine } = engineRig();
    let res: ProgramResult | null = null;
    const run = engine.runProgram(AS, new ProgramBuilder().write32(DATA, 1).build(), {
      sourceId: 9,
      onComplete: (x) => (res = x),
    });
    r.loop.runUntilIdle();
    expect(run.stalled).toBe(true);
    expect(r.port.faults[0]).toMatchObject({ as: AS, va: DATA, sourceId: 9 });
    r.bo(AS, DATA, 4096);
    r.port.retry(AS);
    r.loop.runUntilIdle();
    expect(res).toMatchObject({ status: 1 });
    const run2 = engine.runProgram(AS, new ProgramBuilder().write32(DATA + 0x10000, 1).build(), {
      onComplete: (x) => (res = x),
    });
    r.loop.runUntilIdle();
    expect(run2.stalled).toBe(true);
    r.port.abortAs(AS, 0xc3);
    r.loop.runUntilIdle();
    expect(res).toMatchObject({ status: 0xc3, faultVa: DATA + 0x10000 });
  });

  it("an abort while the program itself is being fetched reports the fetch address", () => {
    const { r, engine } = engineRig();
    let res: ProgramResult | null = null;
    const code = new ProgramBuilder().write32(DATA, 1).buildBytes();
    const run = engine.runProgram(AS, 0x30_0000, {
      length: code.length,
      onComplete: (x) => (res = x),
    });
    r.loop.runUntilIdle();
    expect(run.stalled).toBe(true);
    expect(r.port.faults[0]).toMatchObject({ as: AS, va: 0x30_0000 });
    r.port.abortAs(AS, 0xc3);
    r.loop.runUntilIdle();
    expect(res).toMatchObject({ status: 0xc3, faultVa: 0x30_0000 });
  });

  it("cancel and reset terminate; malformed requests end with JOB_CONFIG_FAULT", () => {
    const { r, engine } = engineRig();
    const statuses: number[] = [];
    const run = engine.runProgram(AS, new ProgramBuilder().delay(1e9).build(), {
      onComplete: (x) => statuses.push(x.status),
    });
    engine.runProgram(AS, new ProgramBuilder().delay(1e9).build(), {
      onComplete: (x) => statuses.push(x.status),
    });
    r.loop.advance(1000);
    run.cancel();
    engine.reset();
    engine.runProgram(AS, 0x1002, { length: 8, onComplete: (x) => statuses.push(x.status) });
    engine.runProgram(AS, new Uint8Array(6), { onComplete: (x) => statuses.push(x.status) });
    engine.runProgram(AS, 0x1000, { onComplete: (x) => statuses.push(x.status) });
    r.loop.runUntilIdle();
    // Malformed requests end at once; TERMINATED arrives after the stop latency.
    expect(statuses).toEqual([0x40, 0x40, 0x40, 4, 4]);
    expect(r.loop.now).toBeLessThan(1e6);
    expect(engine.activeRuns).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { JobException } from "../../src/jobs/exception-codes.js";
import { ProgramBuilder } from "../../src/jobs/program/builder.js";
import { encodeProgramJob } from "../../src/jobs/program/program-job.js";
import { JsReg } from "../../src/jobs/registers.js";
import { encodeWriteValueJob, WriteValueType } from "../../src/jobs/write-value.js";
import { Rig } from "./helpers.js";

const BO = 0x80_0000;
const OUT = 0x90_0000;
const JOBS = 20;

/** A chain of JOBS SYSTEM_TIMESTAMP jobs writing 64-bit stamps to OUT + 8*i. */
function timestampChain(): Uint8Array {
  const b = new Uint8Array(JOBS * 64);
  for (let i = 0; i < JOBS; i++) {
    encodeWriteValueJob(b, i * 64, {
      header: { index: i + 1, next: i + 1 < JOBS ? BO + (i + 1) * 64 : 0 },
      address: OUT + i * 8,
      valueType: WriteValueType.SYSTEM_TIMESTAMP,
    });
  }
  return b;
}

function twoSlotRun(seed: number) {
  const r = new Rig({ seed, cost: { sliceNs: 3000 } });
  const stamps: number[][] = [];
  for (const as of [1, 2]) {
    r.bo(as, BO, 4096);
    r.bo(as, OUT, 4096);
    r.write(as, BO, timestampChain());
  }
  r.submit(0, BO, 1);
  r.submit(1, BO, 2);
  r.loop.runUntilIdle();
  for (const as of [1, 2]) {
    const s: number[] = [];
    for (let i = 0; i < JOBS; i++) s.push(r.u32(as, OUT + i * 8));
    stamps.push(s);
  }
  return { r, stamps };
}

describe("two job slots in two address spaces", () => {
  it("run interleaved on the one virtual clock", () => {
    const { r, stamps } = twoSlotRun(1);
    expect(r.rawstat).toBe(0b11);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.DONE);
    expect(r.js(1, JsReg.STATUS)).toBe(JobException.DONE);
    const [a, b] = stamps as [number[], number[]];
    // Each chain's stamps increase, and the two ranges overlap: neither slot waited for the other.
    for (let i = 1; i < JOBS; i++) {
      expect(a[i]!).toBeGreaterThan(a[i - 1]!);
      expect(b[i]!).toBeGreaterThan(b[i - 1]!);
    }
    expect(a[0]!).toBeLessThan(b[JOBS - 1]!);
    expect(b[0]!).toBeLessThan(a[JOBS - 1]!);
    // Together they took about as long as one chain alone.
    expect(r.loop.now).toBeLessThan(JOBS * 2000 * 1.5);
  });

  it("memory programs in two AS touch only their own memory, interleaved", () => {
    const r = new Rig({ cost: { sliceNs: 2000 } });
    const order: number[] = [];
    for (const as of [1, 2]) {
      r.bo(as, BO, 8192);
      r.bo(as, OUT, 64 * 4096);
      const p = new ProgramBuilder()
        .fill32(OUT, 64 * 4096, 0x1000 * as)
        .checkFill32(OUT, 64 * 4096, 0x1000 * as);
      const code = p.buildBytes();
      const job = new Uint8Array(48);
      encodeProgramJob(job, 0, {
        header: { index: 1 },
        programVa: BO + 4096,
        programLength: code.length,
      });
      r.write(as, BO, job);
      r.write(as, BO + 4096, code);
    }
    r.submit(0, BO, 1);
    r.submit(1, BO, 2);
    const orig = r.loop.schedule.bind(r.loop);
    r.loop.schedule = (d, fn, label) => {
      if (label.endsWith(":slice")) order.push(Number(label[2]));
      return orig(d, fn, label);
    };
    r.loop.runUntilIdle();
    expect(r.rawstat).toBe(0b11);
    expect(r.u32(1, OUT + 4092)).toBe(0x1000);
    expect(r.u32(2, OUT + 4092)).toBe(0x2000);
    // Slices of the two slots alternate rather than one slot running to completion first.
    const switches = order.filter((s, i) => i > 0 && s !== order[i - 1]).length;
    expect(order.length).toBeGreaterThan(20);
    expect(switches).toBeGreaterThan(order.length / 2);
  });

  it("are deterministic: same seed, same stamps, same end time", () => {
    const one = twoSlotRun(42);
    const two = twoSlotRun(42);
    expect(two.stamps).toEqual(one.stamps);
    expect(two.r.loop.now).toBe(one.r.loop.now);
    expect(two.r.jc.slotStats(0)).toEqual(one.r.jc.slotStats(0));
  });

  it("give an identical trace (with times) for the same seed, including faults and a stop", () => {
    const run = () => {
      const lines: string[] = [];
      const r: Rig = new Rig({ seed: 5, trace: (m) => lines.push(`${r.loop.now} ${m}`) });
      for (const as of [1, 2]) {
        r.bo(as, BO, 4096);
        r.write(as, BO, timestampChain());
      }
      r.bo(1, OUT, 4096); // AS 2 has no OUT mapping: slot 1 stalls
      r.submit(0, BO, 1);
      r.submit(1, BO, 2);
      r.loop.advance(20_000);
      r.jc.write32(0x800 + 0x80 + 0x20, 2); // SOFT_STOP slot 1 (stalled: stops once resumed)
      r.bo(2, OUT, 4096);
      r.port.retry(2);
      r.loop.runUntilIdle();
      return { lines, raw: r.rawstat, tail: r.js(1, JsReg.TAIL_LO) };
    };
    const a = run();
    const b = run();
    expect(b).toEqual(a);
    expect(a.raw).toBe(0b1 | (1 << 17));
    expect(a.lines.some((l) => l.includes("js1 stalled"))).toBe(true);
    expect(a.lines.some((l) => l.includes("js1 end status=0x3"))).toBe(true);
  });
});

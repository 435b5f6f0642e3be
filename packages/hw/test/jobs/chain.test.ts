import { describe, expect, it } from "vitest";
import { encodeJobHeader, JobType } from "../../src/jobs/descriptor.js";
import { JobException } from "../../src/jobs/exception-codes.js";
import { igtNullJobImage } from "../../src/jobs/igt-images.js";
import { JsCommand, JsConfig, JsReg, jsRegOffset } from "../../src/jobs/registers.js";
import {
  encodeCacheFlushJob,
  encodeWriteValueJob,
  WriteValueType,
} from "../../src/jobs/write-value.js";
import { Rig } from "./helpers.js";

const BO = 0x20_0000;
const AS = 3;

function image(size: number, fill: (b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(size);
  fill(b);
  return b;
}

describe("job chains", () => {
  it("follows next through three jobs in list order and writes status 1 into each", () => {
    const r = new Rig();
    r.bo(AS, BO, 8192);
    const img = image(8192, (b) => {
      encodeWriteValueJob(b, 0, {
        header: { index: 1, next: BO + 0x1000 },
        address: BO + 0x800,
        valueType: WriteValueType.IMMEDIATE_32,
        immediate: [0x11111111, 0],
      });
      encodeCacheFlushJob(b, 0x1000, {
        header: { index: 2, dependency1: 1, next: BO + 0x40 },
        word0: 3,
        word1: 3,
      });
      encodeWriteValueJob(b, 0x40, {
        header: { index: 3, dependency1: 2, dependency2: 1 },
        address: BO + 0x804,
        valueType: WriteValueType.IMMEDIATE_16,
        immediate: [0xabcd1234, 0],
      });
    });
    r.write(AS, BO, img);
    r.submit(0, BO, AS);
    expect(r.runUntilSlotEnds(0)).toBe(true);
    expect(r.rawstat).toBe(1);
    expect([r.u32(AS, BO), r.u32(AS, BO + 0x1000), r.u32(AS, BO + 0x40)]).toEqual([1, 1, 1]);
    expect(r.u32(AS, BO + 0x800)).toBe(0x11111111);
    expect(r.u32(AS, BO + 0x804)).toBe(0x1234);
    expect(r.jc.slotStats(0).jobsDone).toBe(3);
    expect(r.js(0, JsReg.TAIL_LO)).toBe(BO + 0x40);
    expect(r.js(0, JsReg.HEAD_LO)).toBe(BO);
  });

  it("IMMEDIATE_8/64, SYSTEM_TIMESTAMP and CYCLE_COUNTER store what they name", () => {
    const r = new Rig({ cost: { cyclesPerNs: 2 } });
    r.bo(AS, BO, 4096);
    const img = image(4096, (b) => {
      encodeWriteValueJob(b, 0, {
        header: { index: 1, next: BO + 64 },
        address: BO + 0x800,
        valueType: WriteValueType.IMMEDIATE_64,
        immediate: [0x89abcdef, 0x01234567],
      });
      encodeWriteValueJob(b, 64, {
        header: { index: 2, next: BO + 128 },
        address: BO + 0x803,
        valueType: WriteValueType.IMMEDIATE_8,
        immediate: [0x5a, 0],
      });
      encodeWriteValueJob(b, 128, {
        header: { index: 3, next: BO + 192 },
        address: BO + 0x810,
        valueType: WriteValueType.SYSTEM_TIMESTAMP,
      });
      encodeWriteValueJob(b, 192, {
        header: { index: 4 },
        address: BO + 0x818,
        valueType: WriteValueType.CYCLE_COUNTER,
      });
    });
    r.write(AS, BO, img);
    r.loop.advance(1000);
    r.submit(0, BO, AS);
    r.runUntilSlotEnds(0);
    expect(r.u32(AS, BO + 0x800)).toBe(0x5aabcdef);
    expect(r.u32(AS, BO + 0x804)).toBe(0x01234567);
    const ts = r.u32(AS, BO + 0x810);
    const cycles = r.u32(AS, BO + 0x818);
    expect(ts).toBeGreaterThan(1000);
    expect(ts).toBeLessThanOrEqual(r.loop.now);
    expect(cycles).toBeGreaterThan(2 * ts);
    expect(r.u32(AS, BO + 0x814)).toBe(0);
  });

  it("v5 has no IMMEDIATE types: JOB_CONFIG_FAULT written back with the job VA", () => {
    const r = new Rig({ arch: 5 });
    r.bo(AS, BO, 4096);
    r.write(
      AS,
      BO,
      image(64, (b) =>
        encodeWriteValueJob(b, 0, {
          header: { index: 1 },
          address: BO + 0x800,
          valueType: WriteValueType.IMMEDIATE_32,
          immediate: [7, 0],
        }),
      ),
    );
    r.submit(0, BO, AS);
    r.runUntilSlotEnds(0);
    expect(r.rawstat).toBe(1 << 16);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.JOB_CONFIG_FAULT);
    expect(r.u32(AS, BO)).toBe(JobException.JOB_CONFIG_FAULT);
    expect(r.u32(AS, BO + 8)).toBe(BO);
    expect(r.u32(AS, BO + 0x800)).toBe(0);
  });

  it.each([
    ["unknown Write Value type", 9, JobType.WRITE_VALUE],
    ["COMPUTE job", 0, JobType.COMPUTE],
    ["FRAGMENT job", 0, JobType.FRAGMENT],
    ["type 0", 0, 0],
  ])("%s fails with JOB_CONFIG_FAULT", (_n, wvType, type) => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    const b = new Uint8Array(64);
    encodeJobHeader(b, 0, { type, index: 1 });
    new DataView(b.buffer).setUint32(40, wvType, true);
    new DataView(b.buffer).setUint32(32, BO + 0x800, true);
    r.write(AS, BO, b);
    r.submit(0, BO, AS);
    r.runUntilSlotEnds(0);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.JOB_CONFIG_FAULT);
  });

  it("a dependency on a job that has not run is a JOB_CONFIG_FAULT", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(
      AS,
      BO,
      image(64, (b) => encodeJobHeader(b, 0, { type: JobType.NULL, index: 2, dependency2: 1 })),
    );
    r.submit(0, BO, AS);
    r.runUntilSlotEnds(0);
    expect(r.js(0, JsReg.STATUS)).toBe(JobException.JOB_CONFIG_FAULT);
  });

  it("v9 requires 128-byte aligned headers; v7 accepts 64", () => {
    for (const [arch, code] of [
      [9, JobException.JOB_CONFIG_FAULT],
      [7, JobException.DONE],
    ] as const) {
      const r = new Rig({ arch });
      r.bo(AS, BO, 4096);
      r.write(AS, BO + 64, igtNullJobImage());
      r.submit(0, BO + 64, AS);
      r.runUntilSlotEnds(0);
      expect(r.js(0, JsReg.STATUS)).toBe(code);
    }
  });

  it("is_64b = 0 reads a 32-bit next on v4..v7 but not on v9", () => {
    for (const [arch, jobs] of [
      [7, 2],
      [9, 1],
    ] as const) {
      const r = new Rig({ arch });
      r.bo(AS, BO, 4096);
      const b = new Uint8Array(512);
      encodeJobHeader(b, 0, { type: JobType.NULL, index: 1, is64b: false, next: BO + 256 });
      new DataView(b.buffer).setUint32(28, 0xffff, true); // garbage in the unused high half
      encodeJobHeader(b, 256, { type: JobType.NULL, index: 2 });
      r.write(AS, BO, b);
      r.submit(0, BO, AS);
      r.loop.runUntilIdle();
      expect(r.jc.slotStats(0).jobsDone).toBe(jobs);
      if (arch === 7) {
        expect(r.js(0, JsReg.STATUS)).toBe(JobException.DONE);
      } else {
        // v9 reads all 64 bits: the garbage high half makes `next` an unmapped VA.
        expect(r.js(0, JsReg.STATUS)).toBe(JobException.ACTIVE);
        expect(r.port.faults.map((f) => f.va)).toEqual([0xffff * 2 ** 32 + BO + 256]);
      }
    }
  });

  it("DISABLE_DESCRIPTOR_WR_BK leaves the header untouched", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtNullJobImage());
    r.submit(0, BO, AS, JsConfig.DISABLE_DESCRIPTOR_WR_BK);
    r.runUntilSlotEnds(0);
    expect(r.rawstat).toBe(1);
    expect(r.u32(AS, BO)).toBe(0);
  });

  it("an unmapped header faults at the chain head and resumes once mapped", () => {
    const r = new Rig();
    r.submit(0, BO, AS);
    r.loop.runUntilIdle();
    expect(r.port.faults.map((f) => f.va)).toEqual([BO]);
    expect(r.jc.slotStalled(0)).toBe(true);
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtNullJobImage());
    r.port.retry(AS);
    r.runUntilSlotEnds(0);
    expect(r.rawstat).toBe(1);
    expect(r.u32(AS, BO)).toBe(1);
  });

  it("a write into a read-only page stalls; a bus fault fails the job", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096, false);
    r.write(AS, BO, igtNullJobImage());
    r.submit(0, BO, AS);
    r.loop.runUntilIdle();
    expect(r.port.faults).toHaveLength(1);
    r.port.abortAs(AS, 0xcb);
    r.loop.runUntilIdle();
    expect(r.js(0, JsReg.STATUS)).toBe(0xcb);
    // Bus fault: a mapping to physical memory that is not allocated.
    const r2 = new Rig();
    r2.bo(AS, BO, 4096);
    r2.write(
      AS,
      BO,
      image(64, (b) =>
        encodeWriteValueJob(b, 0, {
          header: { index: 1 },
          address: 0x900000,
          valueType: WriteValueType.ZERO,
        }),
      ),
    );
    r2.port.map(AS, 0x900000, 0x7000_0000, 4096);
    r2.submit(0, BO, AS);
    r2.runUntilSlotEnds(0);
    expect(r2.js(0, JsReg.STATUS)).toBe(JobException.JOB_BUS_FAULT);
    expect(r2.u32(AS, BO + 8)).toBe(0x900000);
  });
});

describe("_NEXT registers and JOB_INT", () => {
  it("a START queued behind a running chain waits in _NEXT and is promoted without an ACK", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtNullJobImage());
    r.write(AS, BO + 64, igtNullJobImage());
    r.submit(0, BO, AS);
    r.submit(0, BO + 64, AS);
    expect(r.js(0, JsReg.COMMAND_NEXT)).toBe(JsCommand.START);
    expect(r.jc.read32(0x010)).toBe(0x10001);
    r.loop.runUntilIdle();
    expect(r.js(0, JsReg.COMMAND_NEXT)).toBe(JsCommand.NOP);
    expect(r.jc.slotStats(0).chainsDone).toBe(2);
    expect(r.rawstat).toBe(1);
    expect(r.js(0, JsReg.HEAD_LO)).toBe(BO + 64);
    expect(r.jc.read32(0x010)).toBe(0);
  });

  it("after a failure the queued chain waits for JOB_INT_CLEAR; NOP cancels it", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtNullJobImage());
    r.write(AS, BO + 64, igtNullJobImage());
    r.write(AS, BO, new Uint8Array([1])); // status already DONE -> fault
    r.submit(0, BO, AS);
    r.submit(0, BO + 64, AS);
    r.loop.runUntilIdle();
    expect(r.rawstat).toBe(1 << 16);
    expect(r.js(0, JsReg.COMMAND_NEXT)).toBe(JsCommand.START);
    expect(r.jc.slotStats(0).chainsStarted).toBe(1);
    r.clear(1 << 16);
    r.loop.runUntilIdle();
    expect(r.rawstat).toBe(1);
    expect(r.u32(AS, BO + 64)).toBe(1);

    const r2 = new Rig();
    r2.bo(AS, BO, 4096);
    r2.write(AS, BO, new Uint8Array([1]));
    r2.write(AS, BO + 64, igtNullJobImage());
    r2.submit(0, BO, AS);
    r2.submit(0, BO + 64, AS);
    r2.loop.runUntilIdle();
    r2.jc.write32(jsRegOffset(0, JsReg.COMMAND_NEXT), JsCommand.NOP);
    r2.clear(1 << 16);
    r2.loop.runUntilIdle();
    expect(r2.jc.slotStats(0).chainsStarted).toBe(1);
    expect(r2.u32(AS, BO + 64)).toBe(0);
  });

  it("NOP on COMMAND_NEXT then HEAD_NEXT tells a withdrawn chain from one already started", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtNullJobImage());
    r.write(AS, BO + 64, igtNullJobImage());
    r.write(AS, BO + 128, igtNullJobImage());
    r.submit(0, BO, AS);
    r.submit(0, BO + 64, AS); // queued behind the running chain
    // Withdraw it before the slot takes it: HEAD_NEXT still names it, and it never runs.
    r.jc.write32(jsRegOffset(0, JsReg.COMMAND_NEXT), JsCommand.NOP);
    expect(r.js(0, JsReg.HEAD_NEXT_LO)).toBe(BO + 64);
    r.loop.runUntilIdle();
    expect(r.u32(AS, BO + 64)).toBe(0);
    expect(r.jc.slotStats(0).chainsStarted).toBe(1);
    // Queue one, let the slot take it, then try to withdraw: HEAD_NEXT reads 0 (too late).
    r.submit(0, BO + 128, AS);
    r.jc.write32(jsRegOffset(0, JsReg.COMMAND_NEXT), JsCommand.NOP);
    expect(r.js(0, JsReg.HEAD_NEXT_LO)).toBe(0);
    expect(r.js(0, JsReg.HEAD_NEXT_HI)).toBe(0);
    r.loop.runUntilIdle();
    expect(r.u32(AS, BO + 128)).toBe(1);
    expect(r.jc.slotStats(0).chainsStarted).toBe(2);
  });

  it("a second START while one is queued is reported as a warning", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtNullJobImage());
    r.submit(0, BO, AS);
    r.submit(0, BO, AS);
    r.submit(0, BO, AS);
    expect(r.warnings.warnings).toHaveLength(1);
  });

  it("STAT = RAWSTAT & MASK, the line follows it, RAWSTAT writes set bits", () => {
    const r = new Rig();
    r.jc.write32(0x008, 0x2);
    const changes = r.irqChanges;
    r.jc.write32(0x000, 0x10001);
    expect(r.jc.read32(0x000)).toBe(0x10001);
    expect(r.jc.read32(0x00c)).toBe(0);
    expect(r.jc.irqLevel).toBe(false);
    r.jc.write32(0x000, 0x2);
    expect(r.jc.read32(0x00c)).toBe(2);
    expect(r.jc.irqLevel).toBe(true);
    expect(r.irqChanges).toBe(changes + 1);
    r.clear(0x2);
    expect(r.jc.irqLevel).toBe(false);
    expect(r.irqChanges).toBe(changes + 2);
    expect(r.jc.read32(0x000)).toBe(0x10001);
  });

  it("registers of absent slots and unknown offsets read 0 and are counted", () => {
    const r = new Rig({ jsCount: 2 });
    expect(r.jc.read32(jsRegOffset(2, JsReg.STATUS))).toBe(0);
    expect(r.jc.read32(0x030)).toBe(0);
    expect(r.jc.unknownReads).toBe(2);
    r.jc.write32(jsRegOffset(0, JsReg.HEAD_LO), 5);
    expect(r.jc.unknownWrites).toBe(1);
    expect(r.js(0, JsReg.HEAD_LO)).toBe(0);
  });

  it("_NEXT registers: HEAD_NEXT empties when the slot takes the chain; JS_CONFIG takes CONFIG_NEXT on START", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtNullJobImage());
    r.submit(2, BO, AS, JsConfig.JOB_CHAIN_FLAG);
    expect(r.js(2, JsReg.HEAD_LO)).toBe(BO);
    expect(r.js(2, JsReg.HEAD_NEXT_LO)).toBe(0);
    expect(r.js(2, JsReg.HEAD_NEXT_HI)).toBe(0);
    expect(r.js(2, JsReg.CONFIG_NEXT)).toBe(AS | JsConfig.JOB_CHAIN_FLAG);
    expect(r.js(2, JsReg.CONFIG)).toBe(AS | JsConfig.JOB_CHAIN_FLAG);
    expect(r.js(2, JsReg.AFFINITY_LO)).toBe(0xf);
    expect(r.js(2, JsReg.STATUS)).toBe(JobException.ACTIVE);
    r.loop.runUntilIdle();
    expect(r.js(2, JsReg.STATUS)).toBe(JobException.DONE);
  });
});

import { describe, expect, it } from "vitest";
import { JobException } from "../../src/jobs/exception-codes.js";
import {
  IGT_FAULT_ADDRESS,
  igtJobLoopImage,
  igtNullJobImage,
  igtWriteValueJobImage,
} from "../../src/jobs/igt-images.js";
import { JsCommand, JsReg, jsRegOffset } from "../../src/jobs/registers.js";
import { GpuAccessKind } from "../../src/mmu/gpu-access.js";
import { Rig } from "./helpers.js";

const BO = 0x10_0000;
const AS = 1;
const SLOT = 1;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

describe("IGT byte images", () => {
  it("NULL job image is word 4 = 0x00010003, everything else 0", () => {
    const img = igtNullJobImage();
    expect(img.length).toBe(32);
    expect(hex(img.subarray(16, 24))).toBe("03 00 01 00 00 00 00 00");
    expect([...img.subarray(0, 16), ...img.subarray(24)].every((b) => b === 0)).toBe(true);
  });

  it("write-value image: word 4 0x00010005, ZERO payload, ff prefill at 48", () => {
    const img = igtWriteValueJobImage(BO, false);
    expect(img.length).toBe(56);
    expect(new DataView(img.buffer).getUint32(16, true)).toBe(0x00010005);
    expect(new DataView(img.buffer).getBigUint64(32, true)).toBe(BigInt(BO + 48));
    expect(hex(img.subarray(40, 48))).toBe("03 00 00 00 00 00 00 00");
    expect(hex(img.subarray(48, 56))).toBe("ff ff ff ff 00 00 00 00");
    const f = igtWriteValueJobImage(BO, true);
    expect(new DataView(f.buffer).getBigUint64(32, true)).toBe(0xdeadbeef0000n);
  });

  it("job loop image: 0x00010b05 headers linking and re-arming each other", () => {
    const img = igtJobLoopImage(BO);
    const dv = new DataView(img.buffer);
    for (const [self, other] of [
      [0, 64],
      [64, 0],
    ] as const) {
      expect(dv.getUint32(self + 16, true)).toBe(0x00010b05);
      expect(dv.getBigUint64(self + 24, true)).toBe(BigInt(BO + other));
      expect(dv.getBigUint64(self + 32, true)).toBe(BigInt(BO + other));
      expect(dv.getUint32(self + 40, true)).toBe(3);
    }
  });
});

describe("IGT jobs on the simulated GPU", () => {
  it("pan-submit: the NULL job completes DONE with status 1 and fault_pointer 0", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtNullJobImage());
    r.submit(SLOT, BO, AS);
    expect(r.runUntilSlotEnds(SLOT, 100e6)).toBe(true);
    expect(r.loop.now).toBeLessThan(1e6);
    expect(r.rawstat).toBe(1 << SLOT);
    expect(r.js(SLOT, JsReg.STATUS)).toBe(JobException.DONE);
    expect(r.u32(AS, BO)).toBe(1);
    expect(hex(r.read(AS, BO + 4, 12))).toBe("00 ".repeat(12).trim());
    expect(r.jc.irqLevel).toBe(true);
    r.clear(1 << SLOT);
    expect(r.jc.irqLevel).toBe(false);
    expect(r.jc.read32(0x010)).toBe(0);
    expect(r.warnings.warnings).toEqual([]);
  });

  it("write-value job stores 8 zero bytes at BO+48 and completes", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtWriteValueJobImage(BO, false));
    r.submit(SLOT, BO, AS);
    expect(r.runUntilSlotEnds(SLOT)).toBe(true);
    expect(r.rawstat).toBe(1 << SLOT);
    expect(hex(r.read(AS, BO + 48, 8))).toBe("00 00 00 00 00 00 00 00");
    expect(r.u32(AS, BO)).toBe(1);
    expect(r.u32(AS, BO + 8)).toBe(0);
  });

  it("pan-unhandled-pagefault: stalls on 0xdeadbeef0000; AS disabled -> job fault, header not updated", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtWriteValueJobImage(BO, true));
    r.submit(SLOT, BO, AS);
    r.loop.runUntilIdle();
    expect(r.rawstat).toBe(0);
    expect(r.jc.slotStalled(SLOT)).toBe(true);
    expect(r.port.faults).toEqual([
      { as: AS, va: IGT_FAULT_ADDRESS, kind: GpuAccessKind.Write, sourceId: SLOT },
    ]);
    expect(r.jc.read32(0x010)).toBe(1 << SLOT);
    r.port.abortAs(AS, JobException.JOB_BUS_FAULT);
    r.loop.runUntilIdle();
    expect(r.rawstat).toBe(1 << (16 + SLOT));
    expect(r.js(SLOT, JsReg.STATUS)).toBe(JobException.JOB_BUS_FAULT);
    expect(r.u32(AS, BO)).toBe(0);
    expect(r.jc.read32(0x010)).toBe(0);
  });

  it("re-running a DONE job fails with DATA_INVALID_FAULT, written back with the job VA", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtNullJobImage());
    r.submit(SLOT, BO, AS);
    r.runUntilSlotEnds(SLOT);
    r.clear(0xffffffff);
    r.submit(SLOT, BO, AS);
    r.runUntilSlotEnds(SLOT);
    expect(r.rawstat).toBe(1 << (16 + SLOT));
    expect(r.js(SLOT, JsReg.STATUS)).toBe(JobException.DATA_INVALID_FAULT);
    expect(r.u32(AS, BO)).toBe(JobException.DATA_INVALID_FAULT);
    expect(r.u32(AS, BO + 8)).toBe(BO);
  });

  it("pan-reset: the job loop never completes; SOFT_STOP ends it STOPPED at a job boundary", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtJobLoopImage(BO));
    r.submit(SLOT, BO, AS);
    expect(r.runUntilSlotEnds(SLOT, 100e6)).toBe(false);
    expect(r.rawstat).toBe(0);
    expect(r.jc.read32(0x010)).toBe(1 << SLOT);
    expect(r.jc.slotStats(SLOT).jobsDone).toBeGreaterThan(1000);
    r.jc.write32(jsRegOffset(SLOT, JsReg.COMMAND_NEXT), JsCommand.NOP);
    r.jc.write32(jsRegOffset(SLOT, JsReg.COMMAND), JsCommand.SOFT_STOP);
    expect(r.runUntilSlotEnds(SLOT, 10e6)).toBe(true);
    expect(r.rawstat).toBe(1 << (16 + SLOT));
    expect(r.js(SLOT, JsReg.STATUS)).toBe(JobException.STOPPED);
    const tail = r.js(SLOT, JsReg.TAIL_LO);
    expect([BO, BO + 64]).toContain(tail);
    expect(r.u32(AS, tail)).toBe(0);
    const s0 = r.u32(AS, BO);
    const s1 = r.u32(AS, BO + 64);
    expect(s0 !== 1 || s1 !== 1).toBe(true);
    expect(r.jc.read32(0x010)).toBe(0);
  });

  it("pan-submit-and-close: HARD_STOP_0 ends the loop TERMINATED; HARD_STOP_1 does not match", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.write(AS, BO, igtJobLoopImage(BO));
    r.submit(SLOT, BO, AS);
    r.loop.advance(1e6);
    r.jc.write32(jsRegOffset(SLOT, JsReg.COMMAND), JsCommand.HARD_STOP_1);
    r.loop.advance(1e6);
    expect(r.rawstat).toBe(0);
    r.jc.write32(jsRegOffset(SLOT, JsReg.COMMAND), JsCommand.HARD_STOP_0);
    expect(r.runUntilSlotEnds(SLOT, 1e6)).toBe(true);
    expect(r.js(SLOT, JsReg.STATUS)).toBe(JobException.TERMINATED);
    expect(r.rawstat).toBe(1 << (16 + SLOT));
    const jobs = r.jc.slotStats(SLOT).jobsDone;
    r.loop.advance(10e6);
    expect(r.jc.slotStats(SLOT).jobsDone).toBe(jobs);
    expect(r.loop.pending).toBe(0);
  });

  it("after a reset the NULL job queued behind the loop runs", () => {
    const r = new Rig();
    r.bo(AS, BO, 4096);
    r.bo(2, BO, 4096);
    r.write(AS, BO, igtJobLoopImage(BO));
    r.write(2, BO, igtNullJobImage());
    r.submit(SLOT, BO, AS);
    r.loop.advance(500e6);
    r.submit(SLOT, BO, 2);
    expect(r.js(SLOT, JsReg.COMMAND_NEXT)).toBe(JsCommand.START);
    expect(r.jc.read32(0x010)).toBe((1 << SLOT) | (1 << (SLOT + 16)));
    r.jc.reset();
    expect(r.jc.read32(0x010)).toBe(0);
    expect(r.loop.pending).toBe(0);
    r.jc.write32(0x008, 0xffffffff);
    r.submit(SLOT, BO, 2);
    expect(r.runUntilSlotEnds(SLOT, 100e6)).toBe(true);
    expect(r.rawstat).toBe(1 << SLOT);
    expect(r.u32(2, BO)).toBe(1);
  });
});

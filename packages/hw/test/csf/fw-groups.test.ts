/**
 * Groups and streams behind the firmware, driven by a tiny test-only host that programs CSG 0
 * by hand the way panthor's scheduler does (stream input block, CS START, CSG START, doorbell
 * bits, doorbell 0, then the queue's user doorbell): IGT's `group_submit` stream runs from the
 * ring and stores 0xdeadbeef through the group's VM; a stream's FATAL error and a SYNC update
 * come back as events with the group's job interrupt; TERMINATE stops the streams.
 */
import { CsAssembler, CsCondition, CsFlushMode, CsOtherFlushMode } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import {
  CS_FATAL,
  CS_STATE_START,
  CSF_CS_INPUT,
  CSF_CS_OUTPUT,
  CSF_CSG_INPUT,
  CSF_CSG_OUTPUT,
  CSF_RINGBUF_INPUT,
  CSF_RINGBUF_OUTPUT,
  CSG_STATE_MASK,
  CSG_STATE_RESUME,
  CSG_STATE_START,
  CSG_STATE_SUSPEND,
  CSG_STATE_TERMINATE,
  CSG_SYNC_UPDATE,
  csfDoorbell,
  EXCEPTION_CS_INSTR_INVALID,
  fwUpdateReqs,
  JOB_INT_CLEAR,
  JOB_INT_RAWSTAT,
} from "../../src/index.js";
import { BO_VA, fwRig, QUEUE, RING_IO, RING_VA, SUSPEND_VA } from "./fw-rig.js";

const GROUP = 0;
const DOORBELL = GROUP + 1;

/** Group 0 of the firmware rig, with its queue 0. */
function groupRig() {
  const r = fwRig();
  const g = r.group(GROUP);
  return {
    ...r,
    startGroup: g.start,
    ringGroup: (): void => r.ringGroups(1 << GROUP),
    submit: (asm: CsAssembler): void => {
      g.submit(asm);
    },
    csgIn: g.csgIn,
    csgOut: g.csgOut,
    csIn: g.csIn,
    csOut: g.csOut,
    extract: g.extract,
  };
}

describe("CSF groups through the firmware", () => {
  it("group_submit: IGT's stream runs from CSG 0's ring and stores 0xdeadbeef through the group's VM", () => {
    const r = groupRig();
    r.startGroup();
    expect(r.rd(r.csgOut + CSF_CSG_OUTPUT.ack) & CSG_STATE_MASK).toBe(CSG_STATE_START);
    expect(r.rd(r.csOut + CSF_CS_OUTPUT.ack) & 7).toBe(CS_STATE_START);
    expect(r.fw.groups[GROUP]?.stream(QUEUE)?.idle).toBe(true);
    r.submit(
      new CsAssembler()
        .move48(68, BO_VA)
        .move32(70, 0xdeadbeef)
        .storeMultiple(70, 68, 0x1, 0)
        .wait(0xff)
        .move32(70, 0)
        .flushCache2({
          l2: CsFlushMode.CLEAN_INVALIDATE,
          lsc: CsFlushMode.CLEAN_INVALIDATE,
          other: CsOtherFlushMode.INVALIDATE,
          flushIdReg: 70,
          signal: 1,
        })
        .wait(0xff),
    );
    expect(r.sim.memory.read32(r.userPa.get(BO_VA) as number)).toBe(0xdeadbeef);
    expect(r.extract()).toBe(56);
    expect(r.rd(RING_IO + CSF_RINGBUF_INPUT.extract)).toBe(56);
    expect(r.rd(RING_IO + 0x1000 + CSF_RINGBUF_OUTPUT.active)).toBe(1);
  });

  it("a stream's FATAL error: fatal fields, the CS FATAL event, cs_irq_req toggled, the group's job interrupt", () => {
    const r = groupRig();
    r.startGroup();
    r.mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
    r.submit(new CsAssembler().nop().raw(0xffn << 56n));
    expect(r.rd(r.csOut + CSF_CS_OUTPUT.fatal) & 0xff).toBe(EXCEPTION_CS_INSTR_INVALID);
    expect(r.rd(r.csOut + CSF_CS_OUTPUT.fatal_info)).toBe(RING_VA + 8);
    const req = r.rd(r.csIn + CSF_CS_INPUT.req);
    const ack = r.rd(r.csOut + CSF_CS_OUTPUT.ack);
    expect((req ^ ack) & CS_FATAL).toBe(CS_FATAL);
    expect(r.rd(r.csgOut + CSF_CSG_OUTPUT.cs_irq_req) & (1 << QUEUE)).toBe(1 << QUEUE);
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(1 << GROUP);
    expect(r.fw.groups[GROUP]?.stream(QUEUE)).toBeNull();
  });

  it("FW-PROTO-4: a system-scope SYNC update raises the group's SYNC_UPDATE event once until the host acknowledges it", () => {
    const r = groupRig();
    r.startGroup();
    r.mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
    const job = (): CsAssembler =>
      new CsAssembler().move48(40, BO_VA).move32(42, 1).syncAdd32(40, 42).wait(1);
    r.submit(job());
    const pending = (): number =>
      (r.rd(r.csgIn + CSF_CSG_INPUT.req) ^ r.rd(r.csgOut + CSF_CSG_OUTPUT.ack)) & CSG_SYNC_UPDATE;
    expect(pending()).toBe(CSG_SYNC_UPDATE);
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(1 << GROUP);
    const ackBefore = r.rd(r.csgOut + CSF_CSG_OUTPUT.ack);
    r.submit(job());
    expect(r.rd(r.csgOut + CSF_CSG_OUTPUT.ack)).toBe(ackBefore); // not raised again while unacknowledged
    expect(r.sim.memory.read32(r.userPa.get(BO_VA) as number)).toBe(2);
  });

  it("CS-CSG-1: a group suspended in the middle of a 100,000-iteration loop and resumed ends with the same count", () => {
    const r = groupRig();
    r.startGroup();
    const a = new CsAssembler().move32(0, 100_000).move32(1, 0).move48(40, BO_VA);
    const loop = a.label();
    a.bind(loop)
      .addImm32(1, 1, 1)
      .addImm32(0, 0, -1)
      .branch(CsCondition.GT, 0, loop)
      .storeMultiple(1, 40, 1)
      .wait(0xff);
    // Queue the job without running the loop to completion.
    const bytes = a.bytes();
    r.sim.memory.writeBytes(r.userPa.get(RING_VA) as number, bytes);
    r.wr(RING_IO + CSF_RINGBUF_INPUT.insert, bytes.length);
    r.mmio.write32(csfDoorbell(DOORBELL), 1);
    r.sim.loop.advance(5_000_000);
    const setState = (state: number): void => {
      r.wr(
        r.csgIn + CSF_CSG_INPUT.req,
        fwUpdateReqs(r.rd(r.csgIn + CSF_CSG_INPUT.req), state, CSG_STATE_MASK),
      );
      r.ringGroup();
    };
    setState(CSG_STATE_SUSPEND);
    expect(r.rd(r.csgOut + CSF_CSG_OUTPUT.ack) & CSG_STATE_MASK).toBe(CSG_STATE_SUSPEND);
    expect(r.fw.groups[GROUP]?.stream(QUEUE)).toBeNull();
    // The record of queue 0 holds the loop counter part-way.
    const rec = (k: number): number => r.rd(SUSPEND_VA + QUEUE * 1024 + 4 * k);
    expect(rec(159)).toBe(1);
    expect(rec(1)).toBeGreaterThan(1000);
    expect(rec(1)).toBeLessThan(100_000);
    // Saved at an instruction boundary: between the two additions the sum is one more.
    expect([100_000, 100_001]).toContain(rec(0) + rec(1));
    expect(r.sim.memory.read32(r.userPa.get(BO_VA) as number)).toBe(0);
    setState(CSG_STATE_RESUME);
    r.sim.loop.runUntilIdle(); // the rest of the loop
    expect(r.rd(r.csgOut + CSF_CSG_OUTPUT.ack) & CSG_STATE_MASK).toBe(CSG_STATE_RESUME);
    expect(r.sim.memory.read32(r.userPa.get(BO_VA) as number)).toBe(100_000);
    expect(r.extract()).toBe(bytes.length);
  });

  it("TERMINATE stops the group's streams: a job submitted afterwards does not run", () => {
    const r = groupRig();
    r.startGroup();
    r.wr(
      r.csgIn + CSF_CSG_INPUT.req,
      fwUpdateReqs(r.rd(r.csgIn + CSF_CSG_INPUT.req), CSG_STATE_TERMINATE, CSG_STATE_MASK),
    );
    r.ringGroup();
    expect(r.rd(r.csgOut + CSF_CSG_OUTPUT.ack) & CSG_STATE_MASK).toBe(CSG_STATE_TERMINATE);
    expect(r.fw.groups[GROUP]?.stream(QUEUE)).toBeNull();
    r.submit(new CsAssembler().move48(40, BO_VA).move32(42, 9).storeMultiple(42, 40, 1));
    expect(r.sim.memory.read32(r.userPa.get(BO_VA) as number)).toBe(0);
  });
});

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
  CSF_G610_FIRMWARE,
  CSF_GLB_INPUT,
  CSF_GLB_OUTPUT,
  CSF_RINGBUF_INPUT,
  CSF_RINGBUF_OUTPUT,
  CSF_SHARED_SECTION_VA,
  CSG_STATE_MASK,
  CSG_STATE_RESUME,
  CSG_STATE_START,
  CSG_STATE_SUSPEND,
  CSG_STATE_TERMINATE,
  CSG_SYNC_UPDATE,
  createPlatform,
  csConfigDoorbell,
  csfDoorbell,
  EXCEPTION_CS_INSTR_INVALID,
  fwToggleReqs,
  fwUpdateReqs,
  JOB_INT_CLEAR,
  JOB_INT_MASK,
  JOB_INT_RAWSTAT,
  MCU_CONTROL,
  MCU_CONTROL_AUTO,
  sharedSectionBytes,
} from "../../src/index.js";
import { A64_PAGE_RW, HandTables, programAarch64, waitReady } from "../helpers/hand-tables.js";

const S = CSF_SHARED_SECTION_VA;
const RING_IO = 0x0500_0000; // MCU VA of the queue's ring input (+0) and output (+0x1000) pages
const SUSPEND_VA = 0x0510_0000; // MCU VA of the group's suspend buffer
const USER_AS = 1;
const RING_VA = 0x10_0000;
const BO_VA = 0x40_0000;
const GROUP = 0;
const QUEUE = 0;
const DOORBELL = GROUP + 1;

function groupRig() {
  const sim = createPlatform("g610");
  const { mmio } = sim.platform;
  const pa = new Map<number, number>();
  const mapInto = (t: HandTables, va: number, bytes: number): void => {
    for (let off = 0; off < bytes; off += 4096) {
      const p = sim.memory.allocPage() as number;
      t.map(va + off, p, 3, A64_PAGE_RW);
      pa.set(va + off, p);
    }
  };
  // MCU VM (AS 0): the shared section and the ring I/O pages.
  const mcu = new HandTables(sim.memory, 0);
  mapInto(mcu, S, sharedSectionBytes(CSF_G610_FIRMWARE));
  mapInto(mcu, RING_IO, 0x2000);
  mapInto(mcu, SUSPEND_VA, 0x2000);
  programAarch64(mmio, 0, mcu.root);
  waitReady(mmio, sim.loop, 0);
  // The group's VM (AS 1): the ring and a BO.
  const user = new HandTables(sim.memory, 0);
  const userPa = new Map<number, number>();
  for (const va of [RING_VA, BO_VA]) {
    const p = sim.memory.allocPage() as number;
    user.map(va, p, 3, A64_PAGE_RW);
    userPa.set(va, p);
  }
  programAarch64(mmio, USER_AS, user.root);
  waitReady(mmio, sim.loop, USER_AS);
  const mcuPa = (va: number): number => (pa.get(va - (va % 4096)) as number) + (va % 4096);
  const rd = (va: number): number => sim.memory.read32(mcuPa(va));
  const wr = (va: number, v: number): void => sim.memory.write32(mcuPa(va), v >>> 0);
  const fw = sim.gpu.firmware;
  if (fw === undefined) throw new Error("no firmware");
  mmio.write32(JOB_INT_MASK, 0xffff_ffff);
  mmio.write32(MCU_CONTROL, MCU_CONTROL_AUTO);
  sim.loop.runUntilIdle();
  mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);

  const page = fw.groupVa(GROUP);
  const csgIn = page + 0x100;
  const csgOut = page + 0x200;
  const csIn = page + 0x400 + QUEUE * 0x80;
  const csOut = page + 0x800 + QUEUE * 0x100;
  const glbIn = S + 0x100;
  const glbOut = S + 0x200;
  let insert = 0;

  /** Programs the queue and starts the group (panthor's csg_slot_prog_locked + cs_slot_prog_locked). */
  const startGroup = (): void => {
    wr(csIn + CSF_CS_INPUT.ringbuf_base, RING_VA);
    wr(csIn + CSF_CS_INPUT.ringbuf_base + 4, 0);
    wr(csIn + CSF_CS_INPUT.ringbuf_size, 4096);
    wr(csIn + CSF_CS_INPUT.ringbuf_input, RING_IO);
    wr(csIn + CSF_CS_INPUT.ringbuf_output, RING_IO + 0x1000);
    wr(csIn + CSF_CS_INPUT.config, csConfigDoorbell(DOORBELL));
    wr(csIn + CSF_CS_INPUT.req, fwUpdateReqs(rd(csIn + CSF_CS_INPUT.req), CS_STATE_START, 7));
    wr(csgIn + CSF_CSG_INPUT.config, USER_AS);
    wr(csgIn + CSF_CSG_INPUT.suspend_buf, SUSPEND_VA);
    wr(csgIn + CSF_CSG_INPUT.ack_irq_mask, 0xffff_ffff);
    wr(
      csgIn + CSF_CSG_INPUT.req,
      fwUpdateReqs(rd(csgIn + CSF_CSG_INPUT.req), CSG_STATE_START, CSG_STATE_MASK),
    );
    ringGroup();
  };
  /** Toggles the group's bit in the global doorbell request and rings doorbell 0. */
  const ringGroup = (): void => {
    wr(
      glbIn + CSF_GLB_INPUT.doorbell_req,
      fwToggleReqs(
        rd(glbIn + CSF_GLB_INPUT.doorbell_req),
        rd(glbOut + CSF_GLB_OUTPUT.doorbell_ack),
        1 << GROUP,
      ),
    );
    mmio.write32(csfDoorbell(0), 1);
    sim.loop.runUntilIdle();
  };
  /** Appends `asm` to the ring, publishes insert and rings the queue's doorbell. */
  const submit = (asm: CsAssembler): void => {
    const bytes = asm.bytes();
    for (let i = 0; i < bytes.length; i += 4) {
      const va = RING_VA + ((insert + i) % 4096);
      sim.memory.writeBytes(
        (userPa.get(RING_VA) as number) + (va - RING_VA),
        bytes.subarray(i, i + 4),
      );
    }
    insert += bytes.length;
    wr(RING_IO + CSF_RINGBUF_INPUT.insert, insert);
    mmio.write32(csfDoorbell(DOORBELL), 1);
    sim.loop.runUntilIdle();
  };
  return {
    sim,
    mmio,
    fw,
    rd,
    wr,
    startGroup,
    ringGroup,
    submit,
    csgIn,
    csgOut,
    csIn,
    csOut,
    userPa,
    extract: () => rd(RING_IO + 0x1000 + CSF_RINGBUF_OUTPUT.extract),
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

  it("a system-scope SYNC update raises the group's SYNC_UPDATE event once until the host acknowledges it", () => {
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
    expect(rec(0) + rec(1)).toBe(100_000);
    expect(r.sim.memory.read32(r.userPa.get(BO_VA) as number)).toBe(0);
    setState(CSG_STATE_RESUME);
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

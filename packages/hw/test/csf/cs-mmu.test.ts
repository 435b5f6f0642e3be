/**
 * CS-MMU: every stream access goes through the stream's AS — a locked region stalls it until
 * UNLOCK, a fault stalls it until the driver clears the fault (the access is retried) or
 * disables the AS (the stream fails with the MMU's exception) — and IGT's `group_submit`
 * stream stores 0xdeadbeef through the page table.
 */
import { CsAssembler, CsFlushMode, CsOtherFlushMode } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import {
  AS_COMMAND,
  AS_COMMAND_LOCK,
  AS_COMMAND_UNLOCK,
  AS_COMMAND_UPDATE,
  AS_FAULTADDRESS_LO,
  AS_FAULTSTATUS,
  AS_LOCKADDR_HI,
  AS_LOCKADDR_LO,
  AS_TRANSCFG_ADRMODE_UNMAPPED,
  AS_TRANSCFG_LO,
  asReg,
  CsEndStatus,
  MMU_INT_CLEAR,
  MMU_INT_RAWSTAT,
  packLockRegion,
} from "../../src/index.js";
import { A64_PAGE_RO, A64_PAGE_RW, waitReady, XN_HI } from "../helpers/hand-tables.js";
import { AS, asm, csRig, DATA_VA } from "./cs-rig.js";

const HOLE = 0x80_0000;

describe("CS-MMU", () => {
  it("CS-MMU-1: a stream access inside a locked region waits until UNLOCK, then completes", () => {
    const r = csRig();
    const lock = packLockRegion(DATA_VA, 0x1000);
    r.mmio.write32(asReg(AS, AS_LOCKADDR_LO), lock.lo);
    r.mmio.write32(asReg(AS, AS_LOCKADDR_HI), lock.hi);
    r.mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_LOCK);
    waitReady(r.mmio, r.sim.loop, AS);
    const s = r.start(asm().move48(40, DATA_VA).move32(42, 0x1234).storeMultiple(42, 40, 1));
    r.sim.loop.advance(200_000);
    expect(s.run.stalled).toBe(true);
    expect(r.read32(DATA_VA)).toBe(0);
    r.mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_UNLOCK);
    r.sim.loop.runUntilIdle();
    expect(s.ended[0]?.status).toBe(CsEndStatus.Done);
    expect(r.read32(DATA_VA)).toBe(0x1234);
  });

  it("CS-MMU-2: a fault stalls the stream; disabling the AS fails it with the MMU's exception and the VA", () => {
    const r = csRig();
    const s = r.start(asm().move48(40, HOLE).move32(42, 1).storeMultiple(42, 40, 1));
    r.sim.loop.advance(50_000);
    expect(s.run.stalled).toBe(true);
    expect(r.mmio.read32(MMU_INT_RAWSTAT) & (1 << AS)).not.toBe(0);
    expect(r.mmio.read32(asReg(AS, AS_FAULTADDRESS_LO))).toBe(HOLE);
    // What panthor does with an unhandled fault: the AS goes UNMAPPED.
    r.mmio.write32(asReg(AS, AS_TRANSCFG_LO), AS_TRANSCFG_ADRMODE_UNMAPPED);
    r.mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_UPDATE);
    r.sim.loop.runUntilIdle();
    expect(s.ended).toHaveLength(1);
    expect(s.ended[0]?.status).toBe(CsEndStatus.Fatal);
    expect((s.ended[0]?.exception as number) & 0xf8).toBe(0xc0); // a translation fault
    expect(s.ended[0]?.info).toBe(HOLE);
  });

  it("CS-MMU-3: a fault the driver resolves (page mapped, interrupt cleared) is retried and the stream goes on", () => {
    const r = csRig();
    const s = r.start(
      asm().move48(40, HOLE).move32(42, 0x77).storeMultiple(42, 40, 1).move32(1, 1),
    );
    r.sim.loop.advance(50_000);
    expect(s.run.stalled).toBe(true);
    r.map(HOLE, 1);
    r.mmio.write32(MMU_INT_CLEAR, 1 << AS);
    r.sim.loop.runUntilIdle();
    expect(s.ended[0]?.status).toBe(CsEndStatus.Done);
    expect(r.read32(HOLE)).toBe(0x77);
    expect(s.run.regs[1]).toBe(1);
  });

  it("CS-MMU-4b: streams are read as data: a ring mapped NOEXEC (as panthor maps its rings) runs", () => {
    const r = csRig();
    const code = 0x30_0000;
    const pa = r.sim.memory.allocPage() as number;
    r.tables.map(code, pa, 3, A64_PAGE_RW, XN_HI);
    r.sim.memory.writeBytes(pa, new CsAssembler().move32(1, 5).nop().bytes());
    const ended: { status: number }[] = [];
    r.cs.start({ as: AS, va: code, length: 16, onEnd: (e) => ended.push(e) });
    r.sim.loop.runUntilIdle();
    expect(ended).toMatchObject([{ status: CsEndStatus.Done }]);
    expect(r.mmio.read32(MMU_INT_RAWSTAT) & 0xffff).toBe(0); // no page fault (bits 15:0)
  });

  it("CS-MMU-4: instructions are fetched through the AS too: code in an unmapped page faults", () => {
    const r = csRig();
    const ended: unknown[] = [];
    const run = r.cs.start({ as: AS, va: HOLE, length: 16, onEnd: (e) => ended.push(e) });
    r.sim.loop.advance(10_000);
    expect(run.stalled).toBe(true);
    expect(r.mmio.read32(MMU_INT_RAWSTAT) & (1 << AS)).not.toBe(0);
    r.mmio.write32(asReg(AS, AS_TRANSCFG_LO), AS_TRANSCFG_ADRMODE_UNMAPPED);
    r.mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_UPDATE);
    r.sim.loop.runUntilIdle();
    expect(ended).toMatchObject([{ status: CsEndStatus.Fatal, info: HOLE }]);
  });
});

describe("IGT group_submit stream", () => {
  it("stores 0xdeadbeef through the VM's page table (MOV48, MOV32, STM32, WAIT, MOV32, FLUSH_CACHE2, WAIT)", () => {
    const r = csRig();
    // The BO: one page mapped at its own VA.
    const boVa = 0x40_0000;
    r.map(boVa, 1);
    const s = r.start(
      asm()
        .move48(68, boVa)
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
    r.sim.loop.runUntilIdle();
    expect(s.ended[0]?.status).toBe(CsEndStatus.Done);
    expect(r.read32(boVa)).toBe(0xdeadbeef);
    expect(r.sim.memory.read32(r.paOf(boVa))).toBe(0xdeadbeef);
    expect(s.run.instructions).toBe(7);
  });

  it("the same store into a read-only mapping is a permission fault", () => {
    const r = csRig();
    const boVa = 0x40_0000;
    const page = r.sim.memory.allocPage() as number;
    r.tables.map(boVa, page, 3, A64_PAGE_RO);
    const s = r.start(asm().move48(68, boVa).move32(70, 0xdeadbeef).storeMultiple(70, 68, 0x1, 0));
    r.sim.loop.advance(50_000);
    expect(s.run.stalled).toBe(true);
    expect(r.mmio.read32(asReg(AS, AS_FAULTSTATUS)) & 0xf8).toBe(0xc8);
    expect(r.sim.memory.read32(page)).toBe(0);
  });
});

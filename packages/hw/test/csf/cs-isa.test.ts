/**
 * CS-ISA: one test per instruction of the subset, on the interpreter alone (a test host maps
 * pages in AS 1 and runs a stream buffer to its end), and CS-SB: scoreboard ordering.
 */
import {
  CsCondition,
  CsExceptionType,
  CsFlushMode,
  CsHeapOperation,
  CsOtherFlushMode,
  CsState,
  CsSyncScope,
} from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import {
  CSF_GPU_LATEST_FLUSH_ID,
  CsEndStatus,
  EXCEPTION_CS_CALL_STACK_OVERFLOW,
  EXCEPTION_CS_CONFIG_FAULT,
  EXCEPTION_CS_INSTR_INVALID,
} from "../../src/index.js";
import { AS, asm, CODE_VA, csRig, DATA_VA } from "./cs-rig.js";

const DONE = CsEndStatus.Done;
const FATAL = CsEndStatus.Fatal;

describe("CS-ISA: registers and arithmetic", () => {
  it("CS-ISA-1: NOP and the no-effect instructions (PROT_REGION, PROGRESS_STORE/LOAD, TRACE_POINT) run and count", () => {
    const r = csRig();
    const { result } = r.run(
      asm()
        .nop()
        .emit("PROT_REGION", { size: 8 })
        .emit("PROGRESS_STORE")
        .emit("PROGRESS_LOAD")
        .emit("TRACE_POINT"),
    );
    expect(result).toMatchObject({ status: DONE, instructions: 5 });
  });

  it("CS-ISA-2: MOVE48 fills a register pair (upper half of the high word zero); MOVE32 one register", () => {
    const r = csRig();
    const { run, result } = r.run(
      asm().move48(10, 0xabcd_1234_5678).move32(12, 0xffff_ffff).move32(13, 7),
    );
    expect(result?.status).toBe(DONE);
    expect([...run.regs.subarray(10, 14)]).toEqual([0x1234_5678, 0xabcd, 0xffff_ffff, 7]);
    expect(run.reg64(10)).toBe(0xabcd_1234_5678);
  });

  it("CS-ISA-3: ADD_IMM32 wraps modulo 2^32 and takes negative immediates", () => {
    const r = csRig();
    const { run } = r.run(
      asm()
        .move32(0, 0xffff_ffff)
        .addImm32(1, 0, 1)
        .move32(2, 5)
        .addImm32(3, 2, -7)
        .addImm32(2, 2, 0x7fff_ffff),
    );
    expect(run.regs[1]).toBe(0);
    expect(run.regs[3]).toBe(0xffff_fffe);
    expect(run.regs[2]).toBe(0x8000_0004);
  });

  it("CS-ISA-4: ADD_IMM64 carries across the halves and sign-extends its immediate, modulo 2^64", () => {
    const r = csRig();
    const { run } = r.run(
      asm()
        .move32(0, 0xffff_ffff)
        .move32(1, 0)
        .addImm64(2, 0, 1)
        .move32(4, 0)
        .move32(5, 0)
        .addImm64(6, 4, -1)
        .move32(8, 5)
        .move32(9, 1)
        .addImm64(8, 8, -6),
    );
    expect([run.regs[2], run.regs[3]]).toEqual([0, 1]);
    expect([run.regs[6], run.regs[7]]).toEqual([0xffff_ffff, 0xffff_ffff]);
    expect([run.regs[8], run.regs[9]]).toEqual([0xffff_ffff, 0]);
  });

  it("CS-ISA-5: UMIN32 compares unsigned", () => {
    const r = csRig();
    const { run } = r.run(
      asm().move32(0, 0xffff_fff0).move32(1, 3).umin32(2, 0, 1).umin32(3, 1, 0),
    );
    expect([run.regs[2], run.regs[3]]).toEqual([3, 3]);
  });

  it("CS-ISA-6: LOAD_MULTIPLE and STORE_MULTIPLE move the masked registers, with a signed offset", () => {
    const r = csRig();
    for (let i = 0; i < 8; i++) r.write32(DATA_VA + 0x100 + 4 * i, 0x1000 + i);
    const { run, result } = r.run(
      asm()
        .move48(40, DATA_VA + 0x110)
        // r20.. = words at +0x100 (offset -0x10), bits 0, 2, 3 of the mask.
        .loadMultiple(20, 40, 0b1101, -0x10)
        .move32(30, 0xaa)
        .move32(31, 0xbb)
        .storeMultiple(30, 40, 0b11, 0x20)
        .wait(0xff),
    );
    expect(result?.status).toBe(DONE);
    expect([run.regs[20], run.regs[21], run.regs[22], run.regs[23]]).toEqual([
      0x1000, 0, 0x1002, 0x1003,
    ]);
    expect([r.read32(DATA_VA + 0x130), r.read32(DATA_VA + 0x134)]).toEqual([0xaa, 0xbb]);
    // A misaligned address is an invalid operand.
    const bad = csRig().run(
      asm()
        .move48(40, DATA_VA + 2)
        .storeMultiple(30, 40, 1, 0),
    );
    expect(bad.result).toMatchObject({
      status: FATAL,
      exception: EXCEPTION_CS_INSTR_INVALID,
      info: CODE_VA + 8,
    });
  });
});

describe("CS-ISA: control flow", () => {
  it("CS-ISA-7: BRANCH tests the signed register against 0 with every condition; offsets count instructions from the next one", () => {
    const cases: [number, number, boolean][] = [
      [CsCondition.LE, 0, true],
      [CsCondition.LE, 1, false],
      [CsCondition.GT, 1, true],
      [CsCondition.GT, 0xffff_ffff, false],
      [CsCondition.EQ, 0, true],
      [CsCondition.NE, 0, false],
      [CsCondition.LT, 0x8000_0000, true],
      [CsCondition.GE, 0x8000_0000, false],
      [CsCondition.ALWAYS, 0x8000_0000, true],
    ];
    for (const [cond, value, taken] of cases) {
      const r = csRig();
      const a = asm().move32(0, value).move32(1, 0);
      const skip = a.label();
      a.branch(cond, 0, skip).move32(1, 1).bind(skip).nop();
      const { run } = r.run(a);
      expect(run.regs[1], `cond ${cond} value ${value}`).toBe(taken ? 0 : 1);
    }
    // Condition 7 does not exist.
    const bad = csRig().run(asm().emit("BRANCH", { condition: 7 }));
    expect(bad.result).toMatchObject({
      status: FATAL,
      exception: EXCEPTION_CS_INSTR_INVALID,
      info: CODE_VA,
    });
  });

  it("CS-ISA-8: a backward BRANCH loop runs its body exactly n times", () => {
    const r = csRig();
    const a = asm().move32(0, 1000).move32(1, 0);
    const loop = a.label();
    a.bind(loop).addImm32(1, 1, 3).addImm32(0, 0, -1).branch(CsCondition.GT, 0, loop);
    const { run, result } = r.run(a);
    expect(run.regs[1]).toBe(3000);
    expect(result?.instructions).toBe(2 + 3 * 1000);
  });

  it("CS-ISA-9: CALL runs a buffer and returns after it; JUMP replaces the current buffer", () => {
    const r = csRig();
    const sub = asm().addImm32(5, 5, 1).addImm32(5, 5, 1);
    const subVa = CODE_VA + 0x1000;
    r.start(sub, subVa); // written there; this first run (at subVa) is itself a stream
    r.sim.loop.runUntilIdle();
    const tail = asm().move32(6, 0x77);
    const tailVa = CODE_VA + 0x2000;
    r.start(tail, tailVa);
    r.sim.loop.runUntilIdle();
    const main = asm()
      .move32(5, 0)
      .move48(20, subVa)
      .move32(22, sub.byteLength)
      .call(20, 22)
      .call(20, 22)
      .move48(20, tailVa)
      .move32(22, tail.byteLength)
      .jump(20, 22)
      .move32(6, 0xdead); // never reached: JUMP does not return here
    const { run, result } = r.run(main);
    expect(result?.status).toBe(DONE);
    expect(run.regs[5]).toBe(4);
    expect(run.regs[6]).toBe(0x77);
    expect(run.callDepth).toBe(0);
  });

  it("CS-ISA-10: CALL nested beyond 8 levels is CS_CALL_STACK_OVERFLOW; a length that is not whole instructions is invalid", () => {
    const r = csRig();
    // A buffer that calls itself.
    const selfVa = CODE_VA;
    const a = asm()
      .move48(20, selfVa)
      .move32(22, 4 * 8)
      .call(20, 22)
      .nop();
    const { result } = r.run(a);
    expect(result).toMatchObject({
      status: FATAL,
      exception: EXCEPTION_CS_CALL_STACK_OVERFLOW,
      info: CODE_VA + 16,
    });
    const odd = csRig().run(asm().move48(20, CODE_VA).move32(22, 12).call(20, 22));
    expect(odd.result).toMatchObject({ status: FATAL, exception: EXCEPTION_CS_INSTR_INVALID });
  });

  it("CS-ISA-11: an opcode outside the subset, PROGRESS_WAIT, or a register past the file is CS_INSTR_INVALID at its address", () => {
    const inv = csRig().run(
      asm()
        .nop()
        .raw(0xffn << 56n)
        .nop(),
    );
    expect(inv.result).toMatchObject({
      status: FATAL,
      exception: EXCEPTION_CS_INSTR_INVALID,
      info: CODE_VA + 8,
      instructions: 1,
    });
    const pw = csRig().run(asm().emit("PROGRESS_WAIT", { queue: 1, src: 0 }));
    expect(pw.result).toMatchObject({
      status: FATAL,
      exception: EXCEPTION_CS_INSTR_INVALID,
      info: CODE_VA,
    });
    const reg = csRig().run(asm().move48(95, 1));
    expect(reg.result).toMatchObject({
      status: FATAL,
      exception: EXCEPTION_CS_INSTR_INVALID,
      info: CODE_VA,
    });
    // r95 alone is fine (96 registers).
    expect(csRig().run(asm().move32(95, 1)).result?.status).toBe(DONE);
  });

  it("CS-ISA-12: a start at a misaligned address or length is CS_CONFIG_FAULT", () => {
    const r = csRig();
    const ended: unknown[] = [];
    r.cs.start({ as: AS, va: CODE_VA + 4, length: 8, onEnd: (e) => ended.push(e) });
    r.cs.start({ as: AS, va: CODE_VA, length: 12, onEnd: (e) => ended.push(e) });
    r.sim.loop.runUntilIdle();
    expect(ended).toMatchObject([
      { status: FATAL, exception: EXCEPTION_CS_CONFIG_FAULT, info: CODE_VA + 4 },
      { status: FATAL, exception: EXCEPTION_CS_CONFIG_FAULT, info: CODE_VA },
    ]);
    expect(r.cs.runs.size).toBe(0);
  });
});

describe("CS-ISA: synchronisation and memory", () => {
  it("CS-ISA-13: SYNC_ADD32/SYNC_SET32 update the object and, with error propagation, its status word; a system-scope update raises SYNC_UPDATE", () => {
    const r = csRig();
    r.write32(DATA_VA, 5);
    let updates = 0;
    r.start(
      asm()
        .move48(40, DATA_VA)
        .move32(42, 3)
        .syncAdd32(40, 42, { errorPropagate: true })
        .wait(0x1)
        .move48(44, DATA_VA + 0x10)
        .move32(46, 0x99)
        .syncSet32(44, 46, { scope: CsSyncScope.CSG, signal: 2 })
        .wait(0x4),
      CODE_VA,
      () => updates++,
    );
    r.sim.loop.runUntilIdle();
    expect(r.read32(DATA_VA)).toBe(8);
    expect(r.read32(DATA_VA + 4)).toBe(0);
    expect(r.read32(DATA_VA + 0x10)).toBe(0x99);
    expect(updates).toBe(1);
  });

  it("CS-ISA-14: SYNC_ADD64/SYNC_SET64 work on 64-bit objects with the status at +8", () => {
    const r = csRig();
    r.write32(DATA_VA, 0xffff_ffff);
    r.write32(DATA_VA + 4, 1);
    r.write32(DATA_VA + 8, 0x55);
    r.run(
      asm()
        .move48(40, DATA_VA)
        .move48(42, 1)
        .syncAdd64(40, 42, { errorPropagate: true })
        .move48(44, DATA_VA + 0x20)
        .move32(46, 1)
        .move32(47, 2)
        .syncSet64(44, 46)
        .wait(0x1),
    );
    expect([r.read32(DATA_VA), r.read32(DATA_VA + 4), r.read32(DATA_VA + 8)]).toEqual([0, 2, 0]);
    expect([r.read32(DATA_VA + 0x20), r.read32(DATA_VA + 0x24)]).toEqual([1, 2]);
  });

  it("CS-ISA-15: SYNC_WAIT32 blocks until the condition holds, woken by another stream's SYNC_SET; LE and GT", () => {
    const r = csRig();
    r.write32(DATA_VA, 0);
    const waiter = r.start(
      asm().move48(40, DATA_VA).move32(42, 0).syncWait32(CsCondition.GT, 40, 42).move32(1, 1),
    );
    r.sim.loop.advance(50_000);
    expect(waiter.run.blocked).toBe(true);
    expect(waiter.run.blockedReason).toBe(3);
    expect(waiter.run.waitSyncVa).toBe(DATA_VA);
    expect(waiter.run.statusWait >>> 0).toBe(0x8100_0000);
    const setterVa = CODE_VA + 0x1000;
    r.start(asm().move48(40, DATA_VA).move32(42, 7).syncSet32(40, 42), setterVa);
    const t0 = r.sim.loop.now;
    r.sim.loop.runUntilIdle();
    expect(waiter.ended[0]?.status).toBe(DONE);
    expect(waiter.run.regs[1]).toBe(1);
    // Woken by the SYNC_SET, not by the 100 µs poll.
    expect((waiter.ended[0]?.endNs as number) - t0).toBeLessThan(20_000);
    // LE passes at once when the value is already small enough.
    const le = csRig();
    le.write32(DATA_VA, 3);
    expect(
      le.run(asm().move48(40, DATA_VA).move32(42, 3).syncWait32(CsCondition.LE, 40, 42)).result
        ?.status,
    ).toBe(DONE);
  });

  it("CS-ISA-16: SYNC_WAIT64 compares 64-bit values; a CPU write is noticed by the periodic re-read; other conditions are invalid", () => {
    const r = csRig();
    r.write32(DATA_VA + 4, 1);
    const w = r.start(
      asm().move48(40, DATA_VA).move32(42, 0).move32(43, 1).syncWait64(CsCondition.GT, 40, 42),
    );
    r.sim.loop.advance(250_000);
    expect(w.run.blocked).toBe(true);
    r.write32(DATA_VA, 1); // 0x1_0000_0001 > 0x1_0000_0000
    r.sim.loop.runUntilIdle();
    expect(w.ended[0]?.status).toBe(DONE);
    const bad = csRig().run(asm().move48(40, DATA_VA).syncWait32(CsCondition.EQ, 40, 42));
    expect(bad.result).toMatchObject({
      status: FATAL,
      exception: EXCEPTION_CS_INSTR_INVALID,
      info: CODE_VA + 8,
    });
  });

  it("CS-ISA-17: SYNC_WAIT with error rejection takes the object's error into the stream; SYNC with propagation writes it; ERROR_BARRIER clears it", () => {
    const r = csRig();
    r.write32(DATA_VA, 1);
    r.write32(DATA_VA + 4, 1); // the object carries an error
    const { run } = r.run(
      asm()
        .move48(40, DATA_VA)
        .move32(42, 0)
        .syncWait32(CsCondition.GT, 40, 42, true)
        .move48(44, DATA_VA + 0x10)
        .syncAdd32(44, 42, { errorPropagate: true })
        .wait(0x1)
        .move48(46, DATA_VA + 0x40)
        .storeState(46, CsState.ERROR_STATUS)
        .wait(0x1)
        .errorBarrier()
        .syncAdd32(44, 42, { errorPropagate: true })
        .wait(0x1),
    );
    expect(r.read32(DATA_VA + 0x40)).toBe(1);
    // The second SYNC_ADD came after the barrier: status 0.
    expect(r.read32(DATA_VA + 0x14)).toBe(0);
    expect(run.errorState).toBe(0);
  });

  it("CS-ISA-18: STORE_STATE writes the timestamp, the cycle count and the error status (64-bit, at a signed offset)", () => {
    const r = csRig();
    r.run(
      asm()
        .move48(40, DATA_VA + 0x100)
        .storeState(40, CsState.TIMESTAMP, -0x100)
        .storeState(40, CsState.CYCLE_COUNT, 8)
        .storeState(40, CsState.ERROR_STATUS, 16)
        .wait(0x1),
    );
    const cycles = r.read32(DATA_VA + 0x108);
    expect(cycles).toBeGreaterThan(0);
    expect(r.read32(DATA_VA)).toBeGreaterThan(0); // 24 MHz counter after a few µs
    expect(r.read32(DATA_VA + 0x110)).toBe(0);
  });

  it("CS-ISA-19: FLUSH_CACHE2 flushes (LATEST_FLUSH_ID advances on a full flush) unless its flush id is stale", () => {
    const r = csRig();
    const id = (): number => r.mmio.read32(CSF_GPU_LATEST_FLUSH_ID);
    const before = id();
    r.run(asm().flushCache2({ flushIdReg: 0 }).wait(0x1));
    expect(id()).toBe(before + 1);
    // A clean without invalidate is not a full flush.
    r.run(
      asm()
        .flushCache2({
          l2: CsFlushMode.CLEAN,
          lsc: CsFlushMode.CLEAN,
          other: CsOtherFlushMode.NONE,
        })
        .wait(0x1),
    );
    expect(id()).toBe(before + 1);
    // A job submitted with flush id `stale` (0 would mean "always flush"): a full flush happened
    // since it was read, so its flush is skipped.
    const stale = id();
    r.run(asm().flushCache2().wait(0x1));
    const flushes = r.sim.gpu.control.cacheFlushes;
    r.run(asm().move32(3, stale).flushCache2({ flushIdReg: 3 }).wait(0x1));
    expect(r.sim.gpu.control.cacheFlushes).toBe(flushes);
    expect(id()).toBe(before + 2);
    // With the current id it is not.
    r.run(asm().move32(3, id()).flushCache2({ flushIdReg: 3 }).wait(0x1));
    expect(id()).toBe(before + 3);
  });

  it("CS-ISA-20: HEAP_SET, HEAP_OPERATION and FINISH_FRAGMENT keep the heap counters; RUN_* are endpoint tasks; FINISH_TILING completes", () => {
    const r = csRig();
    const { run, result } = r.run(
      asm()
        .move48(40, DATA_VA)
        .heapSet(40)
        .heapOperation(CsHeapOperation.VT_STARTED)
        .heapOperation(CsHeapOperation.VT_COMPLETED)
        .emit("FINISH_FRAGMENT", { incrementFragCompleted: 1 })
        .emit("FINISH_TILING")
        .emit("RUN_COMPUTE")
        .emit("RUN_TILING")
        .emit("RUN_IDVS")
        .emit("RUN_FRAGMENT")
        .emit("RUN_FULLSCREEN")
        .emit("RUN_COMPUTE_INDIRECT")
        .wait(0xff),
    );
    expect(result?.status).toBe(DONE);
    expect(run.heapContext).toBe(DATA_VA);
    expect(run.heap).toEqual({ vtStart: 1, vtEnd: 1, fragEnd: 1 });
    expect(run.endpointTasks).toBe(6);
  });

  it("CS-ISA-21: SET_SB_ENTRY, SET_EXCEPTION_HANDLER and REQ_RESOURCE configure the stream", () => {
    const r = csRig();
    const { run } = r.run(
      asm()
        .setSbEntry(2, 3)
        .move48(40, DATA_VA)
        .move32(42, 64)
        .setExceptionHandler(CsExceptionType.TILER_OOM, 40, 42)
        .reqResource({ compute: true, tiler: true })
        .emit("RUN_COMPUTE"),
    );
    expect([run.sbEndpoint, run.sbOther]).toEqual([2, 3]);
    expect(run.exceptionHandlers.get(2)).toEqual([DATA_VA, 64]);
    expect(run.reqResource).toBe(0b101);
  });
});

describe("CS-SB: scoreboards", () => {
  it("CS-SB-1: WAIT blocks until the slots in its mask drain; an instruction with a wait mask starts only after them", () => {
    const r = csRig({ memNs: 50_000 });
    r.write32(DATA_VA, 0);
    const s = r.start(
      asm()
        .move48(40, DATA_VA)
        .move32(42, 1)
        .syncAdd32(40, 42, { signal: 3 }) // slow: 50 µs
        .move48(44, DATA_VA + 8)
        // Starts only once slot 3 (the ADD) drained.
        .move32(46, 2)
        .syncSet32(44, 46, { wait: 1 << 3, signal: 1 })
        .wait(1 << 1)
        .move32(7, 7),
    );
    r.sim.loop.advance(20_000);
    expect(s.run.scoreboards).toBe(1 << 3);
    expect(s.run.blockedReason).toBe(1);
    expect(s.run.statusWait).toBe(1 << 3);
    expect(r.read32(DATA_VA + 8)).toBe(0);
    r.sim.loop.runUntilIdle();
    expect(s.ended[0]?.status).toBe(DONE);
    expect([r.read32(DATA_VA), r.read32(DATA_VA + 8)]).toEqual([1, 2]);
    // The SET completed after the ADD: at least two memory latencies.
    expect(s.ended[0]?.endNs).toBeGreaterThanOrEqual(100_000);
  });

  it("CS-SB-2: a WAIT on an idle slot completes at once; the run ends only when every operation completed", () => {
    const r = csRig({ memNs: 30_000 });
    const s = r.start(
      asm().wait(0xff).move48(40, DATA_VA).move32(42, 4).syncSet32(40, 42, { signal: 5 }),
    );
    r.sim.loop.advance(5_000);
    expect(s.ended).toEqual([]);
    expect(s.run.blocked).toBe(true);
    r.sim.loop.runUntilIdle();
    expect(r.read32(DATA_VA)).toBe(4);
    expect(s.ended[0]?.status).toBe(DONE);
    expect(s.ended[0]?.endNs).toBeGreaterThanOrEqual(30_000);
  });

  it("terminate() ends a run at once and drops its in-flight operations", () => {
    const r = csRig({ memNs: 30_000 });
    const s = r.start(asm().move48(40, DATA_VA).move32(42, 4).syncSet32(40, 42));
    r.sim.loop.advance(2_000);
    s.run.terminate();
    r.sim.loop.runUntilIdle();
    expect(s.ended).toMatchObject([{ status: CsEndStatus.Terminated }]);
    expect(r.read32(DATA_VA)).toBe(0);
  });
});

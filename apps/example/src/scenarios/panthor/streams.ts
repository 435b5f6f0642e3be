/**
 * The command streams the groups of the panthor scenario run, built with the fixtures' CS
 * assembler: a counted loop whose sum is stored to memory (so the value proves the loop ran
 * to its end), the same with a RUN_TILING on the process's tiler heap before it, and the
 * rogue's store.
 */
import { CsAssembler, CsCondition, CsFlushMode, CsOtherFlushMode } from "@panmmu/fixtures";

/** Loop counter register. */
const R_COUNT = 0;
/** Accumulator register (the value stored). */
const R_SUM = 2;
/** Register pair holding the heap context address. */
const D_HEAP = 30;
/** Register pair holding the store address. */
const D_ADDR = 68;
/** Scratch register of the cache flush. */
const R_FLUSH = 70;
/** HEAP_OPERATION: vertex/tiling started, vertex/tiling completed, fragment completed. */
const VT_STARTED = 0;
const VT_COMPLETED = 1;
const FRAGMENT_COMPLETED = 3;

/** What a job computes: `count` iterations adding `step`. */
export interface LoopSpec {
  /** Iterations. */
  readonly count: number;
  /** Added each iteration (a signed 32-bit immediate). */
  readonly step: number;
}

/** The value a {@link LoopSpec} leaves in the accumulator: count × step mod 2^32. */
export function loopValue(s: LoopSpec): number {
  return Math.imul(s.count, s.step) >>> 0;
}

/** Counted loop adding `step` `count` times into the accumulator. */
function countedLoop(a: CsAssembler, s: LoopSpec): CsAssembler {
  a.move32(R_COUNT, s.count).move32(R_SUM, 0);
  const top = a.label();
  return a
    .bind(top)
    .addImm32(R_SUM, R_SUM, s.step)
    .addImm32(R_COUNT, R_COUNT, -1)
    .branch(CsCondition.GT, R_COUNT, top);
}

/** Stores the accumulator at `va`, waits for it, and cleans the caches (as IGT's stream does). */
function storeSum(a: CsAssembler, va: number): CsAssembler {
  return a
    .move48(D_ADDR, va)
    .storeMultiple(R_SUM, D_ADDR, 0x1, 0)
    .wait(0xff)
    .move32(R_FLUSH, 0)
    .flushCache2({
      l2: CsFlushMode.CLEAN_INVALIDATE,
      lsc: CsFlushMode.CLEAN_INVALIDATE,
      other: CsOtherFlushMode.INVALIDATE,
      flushIdReg: R_FLUSH,
      signal: 1,
    })
    .wait(0xff);
}

/** The counted loop, then its sum stored at `va`. */
export function loopStore(s: LoopSpec, va: number): CsAssembler {
  return storeSum(countedLoop(new CsAssembler(), s), va);
}

/**
 * One render pass's worth of heap use on the heap whose context is at `heapCtxVa` (HEAP_SET,
 * vertex/tiling started, RUN_TILING, vertex/tiling and fragment completed, so one pass is in
 * flight at a time), then the counted loop and its store at `va`. A RUN_TILING that runs out
 * of heap memory raises the firmware's tiler-OOM event; the driver grows the heap and the
 * stream goes on.
 */
export function tilerLoopStore(s: LoopSpec, heapCtxVa: number, va: number): CsAssembler {
  const a = new CsAssembler()
    .move48(D_HEAP, heapCtxVa)
    .heapSet(D_HEAP)
    .heapOperation(VT_STARTED)
    .wait(0xff)
    .emit("RUN_TILING")
    .wait(0xff)
    .heapOperation(VT_COMPLETED)
    .heapOperation(FRAGMENT_COMPLETED)
    .wait(0xff);
  return storeSum(countedLoop(a, s), va);
}

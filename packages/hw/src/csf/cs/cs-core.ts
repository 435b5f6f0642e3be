/**
 * The state of one command stream and its life cycle: register file, call stack, scoreboard,
 * error state and published status, and how the stream blocks, stalls on the MMU, wakes and
 * ends. The interpreter built on it is {@link CsExecution}.
 */
import { ACCESS_BUS_FAULT, GpuPageAccess } from "../../jobs/gpu-access.js";
import type { GpuAccessKind } from "../../mmu/gpu-access.js";
import type { EventHandle } from "../../platform/interfaces.js";
import {
  EXCEPTION_CS_BUS_FAULT,
  EXCEPTION_CS_CONFIG_FAULT,
  EXCEPTION_CS_INSTR_INVALID,
} from "./cs-exceptions.js";
import * as op from "./cs-opcodes.js";
import type { CsSnapshot } from "./cs-suspend.js";
import {
  type CsEndResult,
  CsEndStatus,
  CsIdleKind,
  type CsRunContext,
  type CsRunHandle,
  type CsStartOptions,
} from "./cs-types.js";

/** Life-cycle states. */
export const CS_RUNNING = 0;
/** Blocked in WAIT, SYNC_WAIT or at the end of its buffer with operations pending. */
export const CS_BLOCKED = 1;
/** An access waits on the MMU. */
export const CS_STALLED = 2;
/** The run ended. */
export const CS_ENDED = 3;
/** A ring stream with nothing to fetch (until kicked). */
export const CS_IDLE = 4;

const RUNNING = CS_RUNNING;
const BLOCKED = CS_BLOCKED;
const STALLED = CS_STALLED;
const ENDED = CS_ENDED;

/** CS_STATUS_BLOCKED_REASON: not blocked. */
export const BLOCKED_UNBLOCKED = 0;
/** CS_STATUS_BLOCKED_REASON: waiting for scoreboard slots. */
export const BLOCKED_SB_WAIT = 1;
/** CS_STATUS_BLOCKED_REASON: waiting in SYNC_WAIT. */
export const BLOCKED_SYNC_WAIT = 3;
/** CS_STATUS_BLOCKED_REASON: waiting for a resource — the model's reason for a tiler-heap wait. */
export const BLOCKED_RESOURCE = 5;

/** Outcome of one instruction: go on with the next. */
export const NEXT = 0;
/** Outcome: the instruction set the pc itself. */
export const JUMPED = 1;
/** Outcome: the stream blocked, stalled or ended; the instruction is not retired. */
export const HALT = 2;

export abstract class CsStreamCore implements CsRunHandle {
  /** The register file (`r0..r(n-1)`; a 64-bit `dN` is `rN` low, `rN+1` high). */
  readonly regs: Uint32Array;
  /** Address of the next instruction. */
  pc: number;
  /** End of the current buffer (the top level, or the innermost CALL). */
  end: number;
  /** Operations pending per scoreboard slot (those with a completion event). */
  readonly sbPending = new Int32Array(op.CS_SCOREBOARD_SLOTS);
  /**
   * Per slot, the virtual time until which operations without a memory effect hold it
   * (endpoint tasks, LOAD/STORE_MULTIPLE): they need no completion event.
   */
  protected readonly sbBusyUntil = new Float64Array(op.CS_SCOREBOARD_SLOTS);
  /** Slot of endpoint tasks (SET_SB_ENTRY). */
  sbEndpoint = 0;
  /** Slot of other operations (SET_SB_ENTRY). */
  sbOther = 0;
  /** Error state (0 or 1): set by a fault or a rejected SYNC_WAIT, cleared by ERROR_BARRIER. */
  errorState = 0;
  /** HEAP_SET context address. */
  heapContext = 0;
  /** Heap counters (vertex/tiler started, completed; fragment completed). */
  readonly heap = { vtStart: 0, vtEnd: 0, fragEnd: 0 };
  /** Exception handlers by type: [address, length]. */
  readonly exceptionHandlers = new Map<number, [number, number]>();
  /** REQ_RESOURCE bits (compute 0, fragment 1, tiler 2, idvs 3). */
  reqResource = 0;
  /** CS_STATUS_BLOCKED_REASON. */
  blockedReason = BLOCKED_UNBLOCKED;
  /** CS_STATUS_WAIT (scoreboard mask, sync condition and flags). */
  statusWait = 0;
  /** CS_STATUS_WAIT_SYNC_POINTER. */
  waitSyncVa = 0;
  /** CS_STATUS_WAIT_SYNC_VALUE and _HI: the value a SYNC_WAIT compares against. */
  readonly waitSyncValue: [number, number] = [0, 0];
  /** Instructions executed. */
  instructions = 0;
  /** Endpoint tasks (RUN_*) started. */
  endpointTasks = 0;
  /** The end, once reached. */
  result: CsEndResult | null = null;
  /** Idleness as last reported through `onIdleChange`. */
  idleKind = CsIdleKind.Busy;

  protected readonly stackPc = new Float64Array(op.CS_CALL_STACK_DEPTH);
  protected readonly stackEnd = new Float64Array(op.CS_CALL_STACK_DEPTH);
  protected depth = 0;
  protected state = RUNNING;
  protected generation = 0;
  protected event: EventHandle | null = null;
  protected pollEvent: EventHandle | null = null;
  protected readonly access: GpuPageAccess;
  protected readonly as: number;
  protected readonly sourceId: number;
  /** Virtual time until which the stream is busy with work already done. */
  protected busyUntil = 0;
  /** Instruction-page cache of the current slice. */
  protected fetchBase = -1;
  protected fetchWords: Uint32Array = new Uint32Array(0);
  protected failVa = 0;
  protected readonly sliceFn = (): void => this.slice();

  /** Runs instructions until the slice is used up or the stream blocks, stalls or ends. */
  protected abstract slice(): void;

  /** @internal Created by `CsEngine.start`. */
  constructor(
    protected readonly engine: CsRunContext,
    protected readonly options: CsStartOptions,
  ) {
    this.regs = new Uint32Array(options.regCount ?? 96);
    this.as = options.as;
    this.sourceId = options.sourceId ?? 0;
    // A ring stream starts with nothing fetched: its first slice takes the first chunk.
    this.pc = options.ring === undefined ? options.va : 0;
    this.end = options.ring === undefined ? options.va + options.length : 0;
    this.access = new GpuPageAccess(engine.host.memory, engine.host.port);
    this.busyUntil = engine.host.loop.now;
    const ring = options.ring;
    const va = ring === undefined ? options.va : ring.base;
    const length = ring === undefined ? options.length : ring.size;
    const ringOk =
      ring === undefined ||
      (ring.size > 0 && (ring.size & (ring.size - 1)) === 0 && Number.isSafeInteger(ring.extract));
    if (
      !ringOk ||
      !Number.isSafeInteger(va) ||
      va < 0 ||
      va % 8 !== 0 ||
      !Number.isSafeInteger(length) ||
      length < 0 ||
      length % 8 !== 0
    ) {
      this.fatal(EXCEPTION_CS_CONFIG_FAULT, Number.isSafeInteger(va) ? va : 0);
      return;
    }
    this.event = engine.host.loop.schedule(0, this.sliceFn, "cs:start");
  }

  /** Whether the run ended. */
  get done(): boolean {
    return this.state === ENDED;
  }

  /** Whether the stream is blocked (WAIT, SYNC_WAIT, or draining at the end of its buffer). */
  get blocked(): boolean {
    return this.state === BLOCKED;
  }

  /** Whether a ring stream has caught up with its insert position. */
  get idle(): boolean {
    return this.state === CS_IDLE;
  }

  /**
   * A user doorbell: an idle ring stream re-reads its insert position and goes on if it moved;
   * a stream blocked in SYNC_WAIT re-reads its object.
   */
  kick(): void {
    if (this.state === BLOCKED && this.blockedReason === BLOCKED_SYNC_WAIT) {
      this.wake();
      return;
    }
    if (this.state !== CS_IDLE) return;
    this.state = RUNNING;
    if (this.event === null) {
      this.event = this.engine.host.loop.schedule(0, this.sliceFn, "cs:kick");
    }
  }

  /** Whether an access of the stream waits on the MMU (locked region or fault). */
  get stalled(): boolean {
    return this.state === STALLED;
  }

  /** CALL depth now. */
  get callDepth(): number {
    return this.depth;
  }

  /** Bit n set while scoreboard slot n has operations pending (CS_STATUS_SCOREBOARDS). */
  get scoreboards(): number {
    const now = this.engine.host.loop.now;
    let m = 0;
    for (let i = 0; i < this.sbPending.length; i++) {
      if ((this.sbPending[i] as number) > 0 || (this.sbBusyUntil[i] as number) > now) m |= 1 << i;
    }
    return m;
  }

  /** The 64-bit register pair `dN` as a number (below 2^53). */
  reg64(n: number): number {
    return (this.regs[n + 1] as number) * 0x1_0000_0000 + (this.regs[n] as number);
  }

  /** Ends the run from outside (CSG TERMINATE, reset): in-flight operations are dropped. */
  terminate(): void {
    this.end_(CsEndStatus.Terminated, 0, 0);
  }

  // ---- scheduling --------------------------------------------------------------------------

  protected delayFromNow(): number {
    return Math.max(0, this.busyUntil - this.engine.host.loop.now);
  }

  /** Runs the stream again (after a block or a stall). */
  protected wake(): void {
    if (this.state !== BLOCKED && this.state !== STALLED) return;
    this.state = RUNNING;
    this.blockedReason = BLOCKED_UNBLOCKED;
    this.statusWait = 0;
    this.engine.syncWaiters.delete(this);
    if (this.pollEvent !== null) this.engine.host.loop.cancel(this.pollEvent);
    this.pollEvent = null;
    if (this.event === null) {
      this.event = this.engine.host.loop.schedule(this.delayFromNow(), this.sliceFn, "cs:wake");
    }
  }

  /** A SYNC object changed somewhere: a stream in SYNC_WAIT re-reads its own. */
  syncChanged(): void {
    if (this.state === BLOCKED && this.blockedReason === BLOCKED_SYNC_WAIT) this.wake();
  }

  /** Reports a change of idleness to the host (the group's IDLE event). */
  protected setIdle(kind: CsIdleKind): void {
    if (kind === this.idleKind) return;
    this.idleKind = kind;
    this.options.onIdleChange?.(kind);
  }

  protected block(reason: number, statusWait: number): void {
    this.state = BLOCKED;
    this.blockedReason = reason;
    this.statusWait = statusWait >>> 0;
    if (reason === BLOCKED_SYNC_WAIT) this.setIdle(CsIdleKind.SyncWait);
    else if (reason === BLOCKED_RESOURCE) this.setIdle(CsIdleKind.Resource);
    if (reason !== BLOCKED_SB_WAIT) return;
    // Slots held without a completion event free themselves at a time: wake up then.
    let until = 0;
    for (let m = statusWait & 0xffff, i = 0; m !== 0; m >>>= 1, i++) {
      if ((m & 1) !== 0 && (this.sbBusyUntil[i] as number) > until)
        until = this.sbBusyUntil[i] as number;
    }
    if (until > this.busyUntil) {
      const gen = this.generation;
      const loop = this.engine.host.loop;
      this.busyUntil = until;
      loop.schedule(
        until - loop.now,
        () => {
          if (
            gen === this.generation &&
            this.state === BLOCKED &&
            this.blockedReason === BLOCKED_SB_WAIT
          ) {
            if (this.drained(this.statusWait & 0xffff)) this.wake();
          }
        },
        "cs:sb-time",
      );
    }
  }

  protected stall(result: number, va: number): void {
    if (result === ACCESS_BUS_FAULT) {
      this.fatal(EXCEPTION_CS_BUS_FAULT, va);
      return;
    }
    this.state = STALLED;
    const gen = this.generation;
    this.engine.host.port.waitRetry(
      this.as,
      () => {
        if (gen === this.generation) this.wake();
      },
      (code) => {
        if (gen === this.generation) this.fatal(code & 0xff, va);
      },
    );
  }

  protected fatal(code: number, info: number): void {
    this.end_(CsEndStatus.Fatal, code, info);
  }

  protected end_(
    status: CsEndStatus,
    exception: number,
    info: number,
    snapshot?: CsSnapshot,
  ): void {
    if (this.state === ENDED) return;
    this.state = ENDED;
    this.generation++;
    const loop = this.engine.host.loop;
    if (this.event !== null) loop.cancel(this.event);
    if (this.pollEvent !== null) loop.cancel(this.pollEvent);
    this.event = null;
    this.pollEvent = null;
    this.engine.syncWaiters.delete(this);
    this.engine.runs.delete(this);
    const delay = status === CsEndStatus.Terminated ? 0 : this.delayFromNow();
    const result: CsEndResult = {
      status,
      exception,
      info,
      instructions: this.instructions,
      endNs: loop.now + delay,
      ...(snapshot === undefined ? {} : { snapshot }),
    };
    this.result = result;
    loop.schedule(delay, () => this.options.onEnd(result), "cs:end");
  }

  /** Whether registers `n .. n + count - 1` exist; a FATAL CS_INSTR_INVALID otherwise. */
  protected regsOk(n: number, count: number): boolean {
    if (n + count <= this.regs.length) return true;
    this.fatal(EXCEPTION_CS_INSTR_INVALID, this.pc);
    return false;
  }

  /** Reads a 32-bit word of memory for the stream; the value, or -1 with the stream stalled/ended. */
  protected load32(va: number, kind: GpuAccessKind): number {
    const off = this.access.page32(this.as, va, kind, this.sourceId);
    if (off < 0) {
      this.stall(off, va);
      return -1;
    }
    return this.access.u32[off >>> 2] as number;
  }

  protected invalid(): number {
    this.fatal(EXCEPTION_CS_INSTR_INVALID, this.pc);
    return HALT;
  }

  /** Whether every scoreboard slot of `mask` has nothing pending. */
  protected drained(mask: number): boolean {
    for (let m = mask, i = 0; m !== 0; m >>>= 1, i++) {
      if ((m & 1) === 0) continue;
      if ((this.sbPending[i] as number) > 0 || (this.sbBusyUntil[i] as number) > this.busyUntil) {
        return false;
      }
    }
    return true;
  }
}

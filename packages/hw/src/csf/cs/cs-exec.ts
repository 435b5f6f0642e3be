/**
 * The command-stream interpreter: fetches each instruction (a data read) through the stream's address space
 * (so TLB, page-table walks, locked regions and faults apply to the fetch as to every access),
 * decodes it and runs it, in slices of virtual time on the event loop.
 */
import { GpuAccessKind } from "../../mmu/gpu-access.js";
import { PAGE_SIZE } from "../../platform/interfaces.js";
import { add64, branchTaken, CsAsyncKind } from "./cs-async.js";
import {
  BLOCKED_RESOURCE,
  BLOCKED_SB_WAIT,
  CS_IDLE,
  CS_RUNNING,
  HALT,
  JUMPED,
  NEXT,
} from "./cs-core.js";
import {
  EXCEPTION_CS_CALL_STACK_OVERFLOW,
  EXCEPTION_CS_CONFIG_FAULT,
  EXCEPTION_OOM,
} from "./cs-exceptions.js";
import * as op from "./cs-opcodes.js";
import { csOpcodeName } from "./cs-opcodes.js";
import { CsStreamOps } from "./cs-ops.js";
import type { CsSnapshot } from "./cs-suspend.js";
import { CsEndStatus, CsIdleKind, type CsRunContext, type CsStartOptions } from "./cs-types.js";

/** SET_EXCEPTION_HANDLER type of the tiler-OOM handler. */
export const CS_EXCEPTION_HANDLER_TILER_OOM = 2;

/** One running command stream: its state ({@link CsStreamCore}) and the interpreter. */
export class CsExecution extends CsStreamOps {
  /** A suspension was asked for: the stream stops at the next instruction boundary. */
  private suspendRequested = false;
  /** The tiler ran out of heap memory: the stream stops at the next instruction boundary. */
  private oomRequested = false;
  /** Heap chunks the host gave after tiler-OOM waits (`heap_start` values), oldest first. */
  readonly heapChunks: number[] = [];

  /** @internal Created through `CsEngine.start`. */
  constructor(engine: CsRunContext, options: CsStartOptions) {
    super(engine, options);
    if (options.restore !== undefined && !this.done) this.restore(options.restore);
  }

  /**
   * Asks the stream to suspend (CSG SUSPEND): it issues no further instruction, lets its
   * asynchronous operations complete, then ends with `CsEndStatus.Suspended` and its state
   * (`result.snapshot`). A stream blocked in SYNC_WAIT or idle suspends at once; one waiting on
   * the MMU once the access went through.
   */
  requestSuspend(): void {
    if (this.done || this.suspendRequested) return;
    this.suspendRequested = true;
    // A heap wait is saved as a pending OOM: the resumed stream raises it again.
    if (this.waitingForHeap) this.oomRequested = true;
    if (this.idle) this.kick();
    else if (this.blocked && this.blockedReason !== BLOCKED_SB_WAIT) this.wake();
  }

  /**
   * The tiler ran out of heap memory (a RUN_TILING hook or a test): at the next instruction
   * boundary the stream stops, reports it through `onTilerOom` (the firmware's TILER_OOM
   * event) and waits for {@link resolveTilerOom}. False when the stream cannot take it (ended,
   * or already waiting for memory).
   */
  requestTilerOom(): boolean {
    if (this.done || this.waitingForHeap || this.oomRequested) return false;
    this.oomRequested = true;
    if (this.idle) this.kick();
    else if (this.blocked && this.blockedReason !== BLOCKED_SB_WAIT) this.wake();
    return true;
  }

  /** Whether the stream waits for the host's answer to a tiler OOM. */
  get waitingForHeap(): boolean {
    return this.blocked && this.blockedReason === BLOCKED_RESOURCE;
  }

  /**
   * The host answered a tiler OOM with `chunk` (CS `heap_start`): a chunk lets the stream go
   * on; 0 (no memory) runs the tiler-OOM exception handler if one was set (CALL semantics:
   * the stream returns to where it stopped), else ends the stream with FATAL OOM (0x60,
   * `fatal_info` = pc — the model's choice, the firmware's fallback is not documented).
   * False when the stream was not waiting.
   */
  resolveTilerOom(chunk: number): boolean {
    if (!this.waitingForHeap) return false;
    if (chunk !== 0) {
      this.heapChunks.push(chunk);
    } else {
      const handler = this.exceptionHandlers.get(CS_EXCEPTION_HANDLER_TILER_OOM);
      if (handler === undefined || this.depth >= op.CS_CALL_STACK_DEPTH) {
        this.fatal(
          handler === undefined ? EXCEPTION_OOM : EXCEPTION_CS_CALL_STACK_OVERFLOW,
          this.pc,
        );
        return true;
      }
      this.stackPc[this.depth] = this.pc;
      this.stackEnd[this.depth] = this.end;
      this.depth++;
      this.pc = handler[0];
      this.end = handler[0] + handler[1];
    }
    this.wake();
    return true;
  }

  /** The state a suspension saves now. */
  snapshot(): CsSnapshot {
    const calls: [number, number][] = [];
    for (let i = 0; i < this.depth; i++) {
      calls.push([this.stackPc[i] as number, this.stackEnd[i] as number]);
    }
    const oom = this.exceptionHandlers.get(CS_EXCEPTION_HANDLER_TILER_OOM);
    return {
      regs: this.regs.slice(),
      pc: this.pc,
      end: this.end,
      calls,
      errorState: this.errorState,
      heapContext: this.heapContext,
      oomHandler: oom === undefined ? null : [oom[0], oom[1]],
      heap: { ...this.heap },
      sbEndpoint: this.sbEndpoint,
      sbOther: this.sbOther,
      reqResource: this.reqResource,
      oomPending: this.oomRequested,
      ring: {
        extract: this.options.ring?.extract ?? 0,
        chunkStart: this.chunkStart,
        chunkEnd: this.chunkEnd,
      },
    };
  }

  private restore(s: CsSnapshot): void {
    this.regs.set(s.regs.subarray(0, this.regs.length));
    this.pc = s.pc;
    this.end = s.end;
    this.depth = s.calls.length;
    s.calls.forEach(([pc, end], i) => {
      this.stackPc[i] = pc;
      this.stackEnd[i] = end;
    });
    this.errorState = s.errorState;
    this.heapContext = s.heapContext;
    if (s.oomHandler !== null) {
      this.exceptionHandlers.set(CS_EXCEPTION_HANDLER_TILER_OOM, [
        s.oomHandler[0],
        s.oomHandler[1],
      ]);
    }
    this.oomRequested = s.oomPending;
    Object.assign(this.heap, s.heap);
    this.sbEndpoint = s.sbEndpoint;
    this.sbOther = s.sbOther;
    this.reqResource = s.reqResource;
    this.chunkStart = s.ring.chunkStart;
    this.chunkEnd = s.ring.chunkEnd;
  }
  protected slice(): void {
    this.event = null;
    if (this.state !== CS_RUNNING) return;
    const t = this.engine.timing;
    const loop = this.engine.host.loop;
    if (this.busyUntil < loop.now) this.busyUntil = loop.now;
    const stop = loop.now + t.sliceNs;
    this.fetchBase = -1;
    while (this.busyUntil < stop) {
      if (this.suspendRequested) {
        if (!this.drained(0xffff)) {
          this.block(BLOCKED_SB_WAIT, 0xffff);
          return;
        }
        this.end_(CsEndStatus.Suspended, 0, 0, this.snapshot());
        return;
      }
      if (this.oomRequested) {
        this.oomRequested = false;
        this.block(BLOCKED_RESOURCE, 0);
        this.options.onTilerOom?.();
        return;
      }
      if (this.pc >= this.end) {
        if (this.depth > 0) {
          this.depth--;
          this.pc = this.stackPc[this.depth] as number;
          this.end = this.stackEnd[this.depth] as number;
          continue;
        }
        if (this.options.ring !== undefined) {
          if (this.refill()) continue;
          if (this.done) return;
          this.state = CS_IDLE;
          this.setIdle(CsIdleKind.Empty);
          return;
        }
        // The buffer is done; the run ends once every asynchronous operation has.
        if (!this.drained(0xffff)) {
          this.block(BLOCKED_SB_WAIT, 0xffff);
          return;
        }
        this.end_(CsEndStatus.Done, 0, 0);
        return;
      }
      const pc = this.pc;
      if (pc - this.fetchBase >= PAGE_SIZE || pc < this.fetchBase) {
        // The front end reads streams as data: NOEXEC (shader code only) does not apply.
        const off = this.access.page32(this.as, pc, GpuAccessKind.Read, this.sourceId);
        if (off < 0) {
          this.stall(off, pc);
          return;
        }
        this.fetchBase = pc - off;
        this.fetchWords = this.access.u32;
      }
      const w = (pc - this.fetchBase) >>> 2;
      const hi = this.fetchWords[w + 1] as number;
      if (this.options.trace !== undefined) this.traceInstruction(pc, hi);
      const outcome = this.execute(this.fetchWords[w] as number, hi);
      if (outcome === HALT) return;
      // Idleness ends when an instruction retires (a re-blocked SYNC_WAIT stays idle).
      if (this.idleKind !== CsIdleKind.Busy) this.setIdle(CsIdleKind.Busy);
      this.instructions++;
      this.busyUntil += t.instrNs;
      if (outcome === NEXT) this.pc = pc + 8;
      else this.fetchBase = -1;
    }
    this.event = loop.schedule(this.busyUntil - loop.now, this.sliceFn, "cs:slice");
  }

  private traceInstruction(pc: number, hi: number): void {
    const src = this.sourceId.toString(16);
    this.options.trace?.(`cs ${src} 0x${pc.toString(16)} ${csOpcodeName(hi >>> 24)}`);
  }

  /** Start of the ring chunk being run, and its end (0 before the first chunk). */
  private chunkStart = 0;
  private chunkEnd = 0;

  /**
   * Ring mode at the end of a chunk: retires it (extract advances and is published), then
   * takes the next chunk up to the insert position or the wrap, whichever comes first. False
   * when the ring is empty.
   */
  private refill(): boolean {
    const ring = this.options.ring;
    if (ring === undefined) return false;
    if (this.chunkEnd > this.chunkStart) {
      ring.extract += this.chunkEnd - this.chunkStart;
      ring.writeExtract(ring.extract);
      this.chunkStart = 0;
      this.chunkEnd = 0;
    }
    const insert = ring.readInsert();
    if (!(insert > ring.extract)) return false;
    if (insert - ring.extract > ring.size) {
      // More than a ring's worth ahead: the model's reaction to an insert past the ring.
      this.fatal(EXCEPTION_CS_CONFIG_FAULT, insert);
      return false;
    }
    const off = ring.extract % ring.size;
    const va = ring.base + off;
    const bytes = Math.min(insert - ring.extract, ring.size - off);
    this.pc = va;
    this.end = va + bytes - (bytes % 8);
    this.chunkStart = va;
    this.chunkEnd = this.end;
    return this.end > va;
  }

  private execute(lo: number, hi: number): number {
    const opcode = hi >>> 24;
    const b32 = hi & 0xff; // bits 39:32
    const b40 = (hi >>> 8) & 0xff; // bits 47:40
    const b48 = (hi >>> 16) & 0xff; // bits 55:48
    const regs = this.regs;
    switch (opcode) {
      case op.CS_NOP:
      case op.CS_PROT_REGION:
      case op.CS_PROGRESS_STORE:
      case op.CS_PROGRESS_LOAD:
      case op.CS_TRACE_POINT:
        return NEXT;
      case op.CS_MOVE48:
        if (!this.regsOk(b48, 2)) return HALT;
        regs[b48] = lo;
        regs[b48 + 1] = hi & 0xffff;
        return NEXT;
      case op.CS_MOVE32:
        if (!this.regsOk(b48, 1)) return HALT;
        regs[b48] = lo;
        return NEXT;
      case op.CS_WAIT: {
        const mask = (lo >>> 16) & 0xff;
        if (!this.drained(mask)) {
          this.block(BLOCKED_SB_WAIT, mask);
          return HALT;
        }
        return NEXT;
      }
      case op.CS_ADD_IMM32:
        if (!this.regsOk(b48, 1) || !this.regsOk(b40, 1)) return HALT;
        regs[b48] = ((regs[b40] as number) + lo) >>> 0;
        return NEXT;
      case op.CS_ADD_IMM64: {
        if (!this.regsOk(b48, 2) || !this.regsOk(b40, 2)) return HALT;
        const [rlo, rhi] = add64(
          regs[b40] as number,
          regs[b40 + 1] as number,
          lo >>> 0,
          (lo | 0) < 0 ? 0xffff_ffff : 0,
        );
        regs[b48] = rlo;
        regs[b48 + 1] = rhi;
        return NEXT;
      }
      case op.CS_UMIN32:
        if (!this.regsOk(b48, 1) || !this.regsOk(b40, 1) || !this.regsOk(b32, 1)) return HALT;
        regs[b48] = Math.min(regs[b40] as number, regs[b32] as number);
        return NEXT;
      case op.CS_LOAD_MULTIPLE:
      case op.CS_STORE_MULTIPLE:
        return this.multiple(opcode === op.CS_STORE_MULTIPLE, lo, b40, b48);
      case op.CS_BRANCH: {
        if (!this.regsOk(b40, 1)) return HALT;
        const taken = branchTaken((lo >>> 28) & 0x7, regs[b40] as number);
        if (taken === null) return this.invalid();
        if (!taken) return NEXT;
        this.pc = this.pc + 8 + ((lo << 16) >> 16) * 8;
        return JUMPED;
      }
      case op.CS_SET_SB_ENTRY:
        this.sbEndpoint = lo & 0xf;
        this.sbOther = (lo >>> 4) & 0xf;
        return NEXT;
      case op.CS_SET_EXCEPTION_HANDLER:
        if (!this.regsOk(b40, 2) || !this.regsOk(b32, 1)) return HALT;
        this.exceptionHandlers.set(lo & 0xff, [this.reg64(b40), regs[b32] as number]);
        return NEXT;
      case op.CS_CALL:
      case op.CS_JUMP:
        return this.callOrJump(opcode === op.CS_CALL, b40, b32);
      case op.CS_REQ_RESOURCE:
        this.reqResource = lo & 0xf;
        return NEXT;
      case op.CS_FLUSH_CACHE2:
        return this.flush(lo, b40, hi);
      case op.CS_SYNC_ADD32:
      case op.CS_SYNC_SET32:
      case op.CS_SYNC_ADD64:
      case op.CS_SYNC_SET64:
        return this.syncUpdate(opcode, lo, hi, b32, b40);
      case op.CS_SYNC_WAIT32:
      case op.CS_SYNC_WAIT64:
        return this.syncWait(opcode === op.CS_SYNC_WAIT64, lo, b32, b40);
      case op.CS_STORE_STATE: {
        if (!this.regsOk(b40, 2)) return HALT;
        const va = this.reg64(b40) + ((lo << 16) >> 16);
        return this.startAsync(lo >>> 16, (hi >>> 16) & 0xf, this.engine.timing.memNs, {
          kind: CsAsyncKind.StoreState,
          slot: (hi >>> 16) & 0xf,
          va,
          wide: true,
          lo: hi & 3,
          hi: 0,
          status: -1,
          system: false,
          full: false,
        });
      }
      case op.CS_ERROR_BARRIER:
        this.errorState = 0;
        return NEXT;
      case op.CS_HEAP_SET:
        if (!this.regsOk(b40, 2)) return HALT;
        this.heapContext = this.reg64(b40);
        return NEXT;
      case op.CS_HEAP_OPERATION:
        return this.counterOp(lo >>> 16, (hi >>> 16) & 0xf, this.engine.timing.memNs, () => {
          const which = hi & 3;
          if (which === 0) this.heap.vtStart++;
          else if (which === 1) this.heap.vtEnd++;
          else if (which === 3) this.heap.fragEnd++;
        });
      case op.CS_FINISH_TILING:
        return NEXT;
      case op.CS_FINISH_FRAGMENT:
        return this.counterOp(lo >>> 16, (hi >>> 16) & 0xf, this.engine.timing.runNs, () => {
          if ((lo & 1) !== 0) this.heap.fragEnd++;
        });
      case op.CS_RUN_COMPUTE:
      case op.CS_RUN_TILING:
      case op.CS_RUN_IDVS:
      case op.CS_RUN_FRAGMENT:
      case op.CS_RUN_FULLSCREEN:
      case op.CS_RUN_COMPUTE_INDIRECT:
        this.endpointTasks++;
        if (
          (opcode === op.CS_RUN_TILING || opcode === op.CS_RUN_IDVS) &&
          this.engine.tilerOomHook?.(this.sourceId) === true
        ) {
          this.requestTilerOom();
        }
        return this.counterOp(0, this.sbEndpoint, this.engine.timing.runNs, null);
      default:
        // PROGRESS_WAIT and every opcode outside the subset.
        return this.invalid();
    }
  }

  private multiple(store: boolean, lo: number, addr: number, base: number): number {
    const mask = lo >>> 16;
    if (!this.regsOk(addr, 2)) return HALT;
    const va0 = this.reg64(addr) + ((lo << 16) >> 16);
    if (va0 % 4 !== 0) return this.invalid();
    for (let i = 0; i < 16; i++) {
      if (((mask >>> i) & 1) === 0) continue;
      if (!this.regsOk(base + i, 1)) return HALT;
      const va = va0 + 4 * i;
      const kind = store ? GpuAccessKind.Write : GpuAccessKind.Read;
      const off = this.access.page32(this.as, va, kind, this.sourceId);
      if (off < 0) {
        this.stall(off, va);
        return HALT;
      }
      if (store) this.access.u32[off >>> 2] = this.regs[base + i] as number;
      else this.regs[base + i] = this.access.u32[off >>> 2] as number;
    }
    // The data moved now; the "other" slot is held for the memory latency.
    return this.counterOp(0, this.sbOther, this.engine.timing.memNs, null);
  }

  private callOrJump(call: boolean, addr: number, length: number): number {
    if (!this.regsOk(addr, 2) || !this.regsOk(length, 1)) return HALT;
    const target = this.reg64(addr);
    const bytes = this.regs[length] as number;
    if (target % 8 !== 0 || bytes % 8 !== 0) return this.invalid();
    if (call) {
      if (this.depth >= op.CS_CALL_STACK_DEPTH) {
        this.fatal(EXCEPTION_CS_CALL_STACK_OVERFLOW, this.pc);
        return HALT;
      }
      this.stackPc[this.depth] = this.pc + 8;
      this.stackEnd[this.depth] = this.end;
      this.depth++;
    }
    this.pc = target;
    this.end = target + bytes;
    return JUMPED;
  }
}

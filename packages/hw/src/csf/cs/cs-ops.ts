/**
 * The asynchronous and synchronising instructions of a command stream: FLUSH_CACHE2, SYNC_ADD
 * and SYNC_SET, SYNC_WAIT, STORE_STATE, the heap and endpoint operations. An asynchronous
 * instruction waits for its wait mask, holds its signal slot, and has its memory effect when
 * it completes on the event loop.
 */
import { ACCESS_BUS_FAULT } from "../../jobs/gpu-access.js";
import { GpuAccessKind } from "../../mmu/gpu-access.js";
import { add64, CsAsyncKind, type CsAsyncOp, syncWaitMet } from "./cs-async.js";
import {
  BLOCKED_SB_WAIT,
  BLOCKED_SYNC_WAIT,
  CS_BLOCKED,
  CsStreamCore,
  HALT,
  NEXT,
} from "./cs-core.js";
import { EXCEPTION_CS_BUS_FAULT } from "./cs-exceptions.js";
import * as op from "./cs-opcodes.js";

/** {@link CsStreamCore} with the asynchronous and synchronising instructions. */
export abstract class CsStreamOps extends CsStreamCore {
  protected flush(lo: number, flushIdReg: number, hi: number): number {
    if (!this.regsOk(flushIdReg, 1)) return HALT;
    const id = this.regs[flushIdReg] as number;
    const l2 = lo & 0xf;
    const lsc = (lo >>> 4) & 0xf;
    const skip = id !== 0 && this.engine.host.latestFlushId() !== id;
    const t = this.engine.timing;
    return this.startAsync(lo >>> 16, (hi >>> 16) & 0xf, skip ? t.instrNs : t.flushNs, {
      kind: skip ? CsAsyncKind.None : CsAsyncKind.Flush,
      slot: (hi >>> 16) & 0xf,
      va: 0,
      wide: false,
      lo: 0,
      hi: 0,
      status: -1,
      system: false,
      full: l2 === 3 && lsc === 3,
    });
  }

  protected syncUpdate(opcode: number, lo: number, hi: number, data: number, addr: number): number {
    const wide = opcode === op.CS_SYNC_ADD64 || opcode === op.CS_SYNC_SET64;
    if (!this.regsOk(addr, 2) || !this.regsOk(data, wide ? 2 : 1)) return HALT;
    const va = this.reg64(addr);
    if (va % (wide ? 8 : 4) !== 0) return this.invalid();
    const add = opcode === op.CS_SYNC_ADD32 || opcode === op.CS_SYNC_ADD64;
    return this.startAsync(lo >>> 16, (hi >>> 16) & 0xf, this.engine.timing.memNs, {
      kind: add ? CsAsyncKind.SyncAdd : CsAsyncKind.SyncSet,
      slot: (hi >>> 16) & 0xf,
      va,
      wide,
      lo: this.regs[data] as number,
      hi: wide ? (this.regs[data + 1] as number) : 0,
      status: (lo & 1) !== 0 ? this.errorState : -1,
      system: ((lo >>> 1) & 3) === 0,
      full: false,
    });
  }

  protected syncWait(wide: boolean, lo: number, data: number, addr: number): number {
    if (!this.regsOk(addr, 2) || !this.regsOk(data, wide ? 2 : 1)) return HALT;
    const cond = (lo >>> 28) & 0xf;
    if (cond > 1) return this.invalid();
    const va = this.reg64(addr);
    if (va % (wide ? 8 : 4) !== 0) return this.invalid();
    const vlo = this.load32(va, GpuAccessKind.Read);
    if (vlo < 0) return HALT;
    const vhi = wide ? this.load32(va + 4, GpuAccessKind.Read) : 0;
    if (vhi < 0) return HALT;
    const rlo = this.regs[data] as number;
    const rhi = wide ? (this.regs[data + 1] as number) : 0;
    if (syncWaitMet(cond, wide, vlo, vhi, rlo, rhi)) {
      if ((lo & 1) !== 0) {
        const status = this.load32(va + (wide ? 8 : 4), GpuAccessKind.Read);
        if (status < 0) return HALT;
        if (status !== 0) this.errorState = 1;
      }
      return NEXT;
    }
    this.waitSyncVa = va;
    this.waitSyncValue[0] = rlo;
    this.waitSyncValue[1] = rhi;
    this.block(BLOCKED_SYNC_WAIT, 0x8000_0000 | (wide ? 0x4000_0000 : 0) | (cond << 24));
    this.engine.syncWaiters.add(this);
    const gen = this.generation;
    // CPU writes wake nobody: re-read the object now and then (never with a poll period of 0).
    if (this.engine.timing.syncPollNs === 0) return HALT;
    this.pollEvent = this.engine.host.loop.schedule(
      this.delayFromNow() + this.engine.timing.syncPollNs,
      () => {
        this.pollEvent = null;
        if (gen === this.generation) this.syncChanged();
      },
      "cs:sync-poll",
    );
    return HALT;
  }

  /** An asynchronous operation with no memory effect other than `effect` (counters), on `slot`. */
  protected counterOp(
    wait: number,
    slot: number,
    latency: number,
    effect: (() => void) | null,
  ): number {
    if (effect === null) {
      // No effect at completion: the slot is held until a time, with no event.
      if (!this.drained(wait & 0xffff)) {
        this.block(BLOCKED_SB_WAIT, wait & 0xffff);
        return HALT;
      }
      const until = this.busyUntil + this.engine.timing.instrNs + latency;
      if (until > (this.sbBusyUntil[slot] as number)) this.sbBusyUntil[slot] = until;
      return NEXT;
    }
    return this.startAsync(
      wait,
      slot,
      latency,
      {
        kind: CsAsyncKind.None,
        slot,
        va: 0,
        wide: false,
        lo: 0,
        hi: 0,
        status: -1,
        system: false,
        full: false,
      },
      effect,
    );
  }

  /**
   * Issues an asynchronous operation once the slots of `wait` drained (else blocks the stream
   * on them, to retry the instruction): it holds `slot` and completes after `latency`.
   */
  protected startAsync(
    wait: number,
    slot: number,
    latency: number,
    a: CsAsyncOp,
    effect: (() => void) | null = null,
  ): number {
    if (!this.drained(wait & 0xffff)) {
      this.block(BLOCKED_SB_WAIT, wait & 0xffff);
      return HALT;
    }
    this.sbPending[slot] = (this.sbPending[slot] as number) + 1;
    const gen = this.generation;
    const loop = this.engine.host.loop;
    loop.schedule(
      this.busyUntil - loop.now + this.engine.timing.instrNs + latency,
      () => {
        if (gen === this.generation) this.complete(a, effect);
      },
      "cs:async",
    );
    return NEXT;
  }

  /** Completes an asynchronous operation: its memory effect, then its slot is released. */
  protected complete(a: CsAsyncOp, effect: (() => void) | null): void {
    if (
      a.kind === CsAsyncKind.SyncAdd ||
      a.kind === CsAsyncKind.SyncSet ||
      a.kind === CsAsyncKind.StoreState
    ) {
      // Translate everything the effect touches first, so a stall leaves memory untouched.
      const off = this.access.page32(this.as, a.va, GpuAccessKind.Write, this.sourceId);
      if (off < 0) {
        this.completionStall(a, effect, off, a.va);
        return;
      }
      const page = this.access.u32;
      let statusPage = page;
      let statusIndex = (off >>> 2) + (a.wide ? 2 : 1);
      if (a.status >= 0 && statusIndex >= page.length) {
        const statusVa = a.va + (a.wide ? 8 : 4);
        const so = this.access.page32(this.as, statusVa, GpuAccessKind.Write, this.sourceId);
        if (so < 0) {
          this.completionStall(a, effect, so, statusVa);
          return;
        }
        statusPage = this.access.u32;
        statusIndex = so >>> 2;
      }
      this.applyMemory(a, page, off >>> 2);
      if (a.status >= 0) statusPage[statusIndex] = a.status;
    } else if (a.kind === CsAsyncKind.Flush) {
      this.engine.host.flushDone(a.full);
    }
    effect?.();
    this.sbPending[a.slot] = (this.sbPending[a.slot] as number) - 1;
    if (a.kind === CsAsyncKind.SyncAdd || a.kind === CsAsyncKind.SyncSet) {
      if (a.system) this.options.onSyncUpdate?.();
      this.engine.syncUpdated();
    }
    if (this.state === CS_BLOCKED && this.blockedReason === BLOCKED_SB_WAIT) {
      if (this.drained(this.statusWait & 0xffff)) this.wake();
    }
  }

  /** A completion whose access waits on the MMU: retried when it may be, or the stream fails. */
  protected completionStall(
    a: CsAsyncOp,
    effect: (() => void) | null,
    result: number,
    va: number,
  ): void {
    if (result === ACCESS_BUS_FAULT) {
      this.fatal(EXCEPTION_CS_BUS_FAULT, va);
      return;
    }
    const gen = this.generation;
    this.engine.host.port.waitRetry(
      this.as,
      () => {
        if (gen === this.generation) this.complete(a, effect);
      },
      (code) => {
        if (gen === this.generation) this.fatal(code & 0xff, va);
      },
    );
  }

  protected applyMemory(a: CsAsyncOp, page: Uint32Array, w: number): void {
    if (a.kind === CsAsyncKind.StoreState) {
      let v: [number, number];
      if (a.lo === 0) v = this.engine.host.timestamp();
      else if (a.lo === 1) v = this.engine.host.cycleCount();
      else if (a.lo === 3) v = [this.errorState, 0];
      else v = [0, 0];
      page[w] = v[0];
      page[w + 1] = v[1];
      return;
    }
    if (a.wide) {
      const [nlo, nhi] =
        a.kind === CsAsyncKind.SyncAdd
          ? add64(page[w] as number, page[w + 1] as number, a.lo, a.hi)
          : [a.lo, a.hi];
      page[w] = nlo;
      page[w + 1] = nhi;
    } else {
      page[w] = a.kind === CsAsyncKind.SyncAdd ? ((page[w] as number) + a.lo) >>> 0 : a.lo;
    }
  }
}

/**
 * The driver's MMU block: register operations, the AS lock, the slot manager, page-table
 * (un)mapping with TLB flushes, and the MMU interrupt handler.
 */
import type { EventLoop, IrqLine, MmioBus } from "@panmmu/hw";
import { EAGAIN, type WarningSink } from "@panmmu/uapi";
import { FaultLog, type FaultRecord, type FaultTarget } from "../debug/fault-log.js";
import {
  AS_FAULTADDRESS_HI,
  AS_FAULTADDRESS_LO,
  AS_FAULTSTATUS,
  MMU_INT_CLEAR,
  MMU_INT_MASK,
  MMU_INT_RAWSTAT,
  MMU_INT_STAT,
} from "../regs.js";
import { AsSlotManager } from "./as-manager.js";
import type { MmuContext } from "./context.js";
import { accessTypeName, exceptionName, isTranslationFault } from "./exceptions.js";
import { MmuHw } from "./hw-ops.js";
import { type MapCounters, mmuMapSegments, mmuUnmapRange } from "./map.js";
import { AsLock } from "./serial-lock.js";

/** A callback that does nothing. */
const NOTHING = (): void => {};

/** How the device resolves a GPU page fault in a context. */
export interface FaultResolver {
  /**
   * Tries to handle a translation fault at `va` in `ctx` (heap growth). Returns 0 when the
   * access can be retried, or a negative errno with a reason when the fault is terminal.
   */
  handleFault(ctx: MmuContext, va: number): { ret: number; reason: string };
  /** Describes what `va` hits in `ctx` (for the fault log). */
  describe(ctx: MmuContext, va: number): FaultTarget;
  /** Name and client id of the file owning `ctx`; called once per terminal fault (for accounting). */
  owner(ctx: MmuContext): { fileName: string; clientId: number } | null;
}

/** Counters of the MMU IRQ path. */
export interface FaultCounters {
  /** MMU IRQ handler runs. */
  irqs: number;
  /** Faults resolved by heap growth. */
  heapGrowths: number;
  /** Faults on a heap chunk that was already mapped (a racing access). */
  spurious: number;
  /** Terminal faults. */
  terminal: number;
}

/** Construction parameters of {@link PanfrostMmu}. */
export interface PanfrostMmuParams {
  /** Register window. */
  mmio: MmioBus;
  /** Event loop. */
  loop: EventLoop;
  /** WARN sink. */
  warnings: WarningSink;
  /** GPU_AS_PRESENT. */
  asPresent: number;
  /** Number of job slots. */
  numJobSlots: number;
  /** Whether the MMU has the AArch64 feature (for access-type names). */
  aarch64Mmu: boolean;
  /** Called when an MMU command is stuck (schedules a GPU reset). */
  onStuck: (as: number) => void;
}

/** The MMU block of a panfrost device. */
export class PanfrostMmu {
  /** Register operations. */
  readonly hw: MmuHw;
  /** The AS lock. */
  readonly lock: AsLock;
  /** AS slot manager. */
  readonly slots: AsSlotManager;
  /** Page-table counters. */
  readonly mapCounters: MapCounters = { pages4k: 0, blocks2m: 0, unmappedBytes: 0 };
  /** Fault counters. */
  readonly faultCounters: FaultCounters = { irqs: 0, heapGrowths: 0, spurious: 0, terminal: 0 };
  /** Terminal faults. */
  readonly faultLog = new FaultLog();
  /** Flushes deferred because the AS lock was held (observability). */
  deferredFlushes = 0;
  private resolver: FaultResolver | null = null;
  private inThread = false;
  private suspended = false;
  private readonly mmio: MmioBus;
  private readonly loop: EventLoop;
  private readonly warnings: WarningSink;
  private readonly aarch64Mmu: boolean;

  /** Creates the block; call {@link attach} to take the IRQ line. */
  constructor(p: PanfrostMmuParams) {
    this.mmio = p.mmio;
    this.loop = p.loop;
    this.warnings = p.warnings;
    this.aarch64Mmu = p.aarch64Mmu;
    this.lock = new AsLock();
    this.hw = new MmuHw(p.mmio, p.loop, p.onStuck);
    this.slots = new AsSlotManager(
      this.hw,
      p.mmio,
      this.lock,
      p.asPresent,
      p.numJobSlots,
      p.warnings,
      () => p.loop.now,
    );
  }

  /** Installs the fault resolver and the MMU IRQ handler, and unmasks every MMU IRQ. */
  attach(irq: IrqLine, resolver: FaultResolver): void {
    this.resolver = resolver;
    irq.setHandler(() => this.irqHandler());
    this.mmio.write32(MMU_INT_CLEAR, 0xffff_ffff);
    this.mmio.write32(MMU_INT_MASK, 0xffff_ffff);
  }

  /** Stops handling MMU IRQs (device teardown). Mirrors panfrost_mmu_fini(). */
  detach(irq: IrqLine): void {
    this.suspended = true;
    this.mmio.write32(MMU_INT_MASK, 0);
    irq.clearHandler();
  }

  /**
   * TLB flush of a range for `ctx`, serialised with AS assignment; deferred until the AS lock is
   * free if an operation holds it.
   *
   * Mirrors panfrost_mmu_flush_range().
   */
  flush = (ctx: MmuContext, iova: number, size: number): void => {
    this.flushThen(ctx, iova, size, NOTHING);
  };

  /**
   * {@link flush}, then `done` once the flush has been carried out (at once, or after the AS
   * lock was released when it had to wait).
   */
  private flushThen(ctx: MmuContext, iova: number, size: number, done: () => void): void {
    if (size === 0) {
      done();
      return;
    }
    if (this.inThread) {
      // Called from the fault handler, which already holds the AS lock.
      this.slots.flushRangeLocked(ctx, iova, size);
      done();
      return;
    }
    if (this.slots.flushRange(ctx, iova, size) === -EAGAIN) {
      this.deferredFlushes++;
      this.lock.whenReleased(() => this.flushThen(ctx, iova, size, done));
      return;
    }
    done();
  }

  /** Whether a TLB flush issued now would have to wait for the AS lock. */
  get flushWouldWait(): boolean {
    return this.lock.isHeld && !this.inThread;
  }

  /** Maps physical segments at `iova` in `ctx` and flushes. Mirrors mmu_map_sg(). */
  mapSegments(
    ctx: MmuContext,
    iova: number,
    segments: ReadonlyArray<readonly [number, number]>,
    prot: number,
  ): number {
    return mmuMapSegments(ctx, iova, segments, prot, this.flush, this.mapCounters);
  }

  /**
   * Unmaps `[iova, iova + size)` in `ctx` (sparse: skip holes) and flushes; `onFlushed` runs
   * once the flush has been carried out. The pages must not be freed before that: if the flush
   * had to wait for the AS lock, a stale TLB entry could otherwise let the GPU reach them after
   * they were reused (in the kernel the flush spins on the lock, so it is done before the pages
   * go). Mirrors panfrost_mmu_unmap().
   */
  unmapRange(
    ctx: MmuContext,
    iova: number,
    size: number,
    sparse: boolean,
    onFlushed: () => void = NOTHING,
  ): void {
    const flush =
      onFlushed === NOTHING
        ? this.flush
        : (c: MmuContext, i: number, n: number): void => this.flushThen(c, i, n, onFlushed);
    mmuUnmapRange(ctx, iova, size, sparse, flush, this.mapCounters, this.warnings);
  }

  /**
   * Hard-IRQ half: mask everything and run the threaded half, under the AS lock (when another MMU
   * operation holds it, at its release; the mask keeps the line quiet meanwhile).
   *
   * Mirrors panfrost_mmu_irq_handler().
   */
  private irqHandler(): void {
    if (this.suspended) return;
    if (this.mmio.read32(MMU_INT_STAT) === 0) return;
    this.mmio.write32(MMU_INT_MASK, 0);
    this.runThread();
  }

  /** Runs the threaded half under the AS lock, or once the holder releases it. */
  private readonly runThread = (): void => {
    const done = this.lock.tryWith(() => {
      this.inThread = true;
      try {
        return this.irqThreadLocked();
      } finally {
        this.inThread = false;
      }
    });
    if (done === undefined) this.lock.whenReleased(this.runThread);
  };

  /**
   * Threaded half: for every AS with a fault pending, decode FAULTSTATUS, grow a heap on a
   * translation fault, and otherwise log the fault, mark the AS faulty and disable it so its
   * jobs fail. Unmasks the non-faulty ASes at the end.
   *
   * Mirrors panfrost_mmu_irq_handler_thread().
   */
  private irqThreadLocked(): true {
    this.faultCounters.irqs++;
    let status = this.mmio.read32(MMU_INT_RAWSTAT) >>> 0;
    status = (status & ~this.slots.faultyMask) >>> 0;
    while (status !== 0) {
      const as = 31 - Math.clz32((status | (status >>> 16)) & -(status | (status >>> 16)));
      const mask = ((1 << as) | (1 << (as + 16))) >>> 0;
      const fs = this.mmio.read32(AS_FAULTSTATUS(as)) >>> 0;
      const va =
        (this.mmio.read32(AS_FAULTADDRESS_HI(as)) >>> 0) * 0x1_0000_0000 +
        (this.mmio.read32(AS_FAULTADDRESS_LO(as)) >>> 0);
      const exceptionType = fs & 0xff;
      const accessType = (fs >>> 8) & 3;
      const sourceId = fs >>> 16;
      const busError = (status & mask) !== 1 << as;
      const ctx = this.slots.ownerOf(as) as MmuContext | undefined;
      let reason = "not a translation fault";
      let ret = -1;
      if (!busError && isTranslationFault(exceptionType)) {
        if (ctx === undefined || this.resolver === null) {
          reason = "address space not bound";
        } else {
          const r = this.resolver.handleFault(ctx, va);
          ret = r.ret;
          reason = r.reason;
        }
      } else if (busError) {
        reason = "bus error";
      }
      if (ret === 0) {
        // Resolved: clear the fault so the stalled access retries through the new mapping.
        this.mmio.write32(MMU_INT_CLEAR, mask);
      } else {
        this.recordTerminal(as, va, fs, exceptionType, accessType, sourceId, busError, ctx, reason);
        // Ignore this AS's IRQs until it is re-enabled; disabling it aborts its jobs' accesses.
        this.slots.killFaultyLocked(as, mask);
        this.mmio.write32(MMU_INT_CLEAR, mask);
      }
      status = (status & ~mask) >>> 0;
      if (status === 0) {
        status = (this.mmio.read32(MMU_INT_RAWSTAT) & ~this.slots.faultyMask) >>> 0;
      }
    }
    if (!this.suspended) this.mmio.write32(MMU_INT_MASK, ~this.slots.faultyMask >>> 0);
    return true;
  }

  private recordTerminal(
    as: number,
    va: number,
    fs: number,
    exceptionType: number,
    accessType: number,
    sourceId: number,
    busError: boolean,
    ctx: MmuContext | undefined,
    reason: string,
  ): FaultRecord {
    this.faultCounters.terminal++;
    const owner = ctx === undefined ? null : (this.resolver?.owner(ctx) ?? null);
    const target: FaultTarget =
      ctx === undefined || this.resolver === null
        ? { kind: "unbound" }
        : this.resolver.describe(ctx, va);
    return this.faultLog.add({
      time: this.loop.now,
      as,
      va,
      faultStatus: fs,
      exceptionType,
      exceptionName: exceptionName(exceptionType),
      accessType,
      accessName: accessTypeName(accessType, this.aarch64Mmu),
      sourceId,
      decoder: (fs & (1 << 10)) !== 0,
      busError,
      ctxId: ctx?.id ?? null,
      fileName: owner?.fileName ?? null,
      clientId: owner?.clientId ?? null,
      reason,
      target,
    });
  }
}

/**
 * The hardware address-space (AS) slot manager: binds MMU contexts to the GPU's AS slots on
 * demand, with an LRU of bound contexts and stealing of idle slots.
 *
 * Slot states: free (bit clear in the allocation mask), allocated (bound to a context whose use
 * count is 0) and in use (bound, use count > 0: jobs hold it). Only an allocated slot can be
 * stolen, oldest first.
 */
import type { MmioBus } from "@panmmu/hw";
import { EAGAIN, EBUSY, type WarningSink } from "@panmmu/uapi";
import { AS_COMMAND_FLUSH_PT, MMU_INT_CLEAR, MMU_INT_MASK } from "../regs.js";
import type { MmuHw } from "./hw-ops.js";
import type { AsConfig } from "./pure/memattr.js";
import type { AsLock } from "./serial-lock.js";

/** What the slot manager needs of an MMU context. */
export interface AsClient {
  /** Stable id for reports. */
  readonly id: number;
  /** Bound AS slot, or -1. Written only by the slot manager. */
  as: number;
  /** Number of holders (jobs on the hardware) of the bound AS. Written only by the slot manager. */
  asCount: number;
  /** Register values to program when the context is bound. */
  readonly asConfig: AsConfig;
}

/** State of one AS slot in a {@link AsSlotSnapshot}. */
export type AsSlotState = "free" | "allocated" | "in-use";

/** One AS slot as seen by the driver (debugfs-like view). */
export interface AsSlotSnapshot {
  /** Slot number. */
  as: number;
  /** free, allocated (bound, idle) or in-use (bound, held by jobs). */
  state: AsSlotState;
  /** Id of the bound context, or null. */
  ctx: number | null;
  /** Use count of the bound context (0 when free). */
  count: number;
  /** Whether an unhandled fault disabled the slot (re-enabled on the owner's next get). */
  faulty: boolean;
  /** Position in the LRU (0 = most recently used), or null when free. */
  lruPos: number | null;
}

/** Counters of the slot manager. */
export interface AsCounters {
  /** asGet calls that found the context already bound. */
  fastGets: number;
  /** asGet calls that bound a free slot. */
  freeGets: number;
  /** asGet calls that stole an idle slot from another context. */
  steals: number;
  /** asGet calls that had to wait (no idle slot, or the AS lock was held). */
  waits: number;
  /** Faulty slots re-enabled on their owner's next get. */
  faultyReenables: number;
}

/** What happened to an AS slot (see {@link AsSlotManager.history}). */
export interface AsEvent {
  /** Virtual time (ns). */
  time: number;
  /** Slot. */
  as: number;
  /** Context concerned. */
  ctx: number;
  /** bind (free slot), steal (from `from`), reenable (after a fault), fault (disabled), release, reset. */
  kind: "bind" | "steal" | "reenable" | "fault" | "release" | "reset";
  /** For a steal: the context that lost the slot. */
  from?: number;
}

/** Most events kept in {@link AsSlotManager.history}. */
export const AS_HISTORY_LIMIT = 4096;

/** Upper bound on a context's use count: one per job slot plus one (perf counters). */
export function maxAsCount(numJobSlots: number): number {
  return numJobSlots + 1;
}

/**
 * The AS slot manager. Every method that touches registers runs under the AS lock; methods
 * called while the lock is held elsewhere return -EAGAIN (the caller retries once the lock is
 * released, see {@link AsSlotManager.onAvailable}).
 */
export class AsSlotManager {
  /** Bit n set: slot n is bound to some context. */
  allocMask = 0;
  /** Bits n / 16+n set: slot n was disabled by an unhandled page fault / bus error. */
  faultyMask = 0;
  /** Bound contexts, most recently used first. */
  private readonly lru: AsClient[] = [];
  private readonly listeners: Array<() => void> = [];
  /** The one waiter an asGet that found the AS lock held registers (so it is queued once). */
  private readonly retryAfterLock = (): void => this.notify();
  /** Recent slot events, oldest first (at most {@link AS_HISTORY_LIMIT}): "AS slots over time". */
  readonly history: AsEvent[] = [];
  /** Counters. */
  readonly counters: AsCounters = {
    fastGets: 0,
    freeGets: 0,
    steals: 0,
    waits: 0,
    faultyReenables: 0,
  };

  /**
   * @param hw - register-level MMU operations.
   * @param mmio - register window (for the MMU IRQ registers).
   * @param lock - the AS lock.
   * @param asPresent - GPU_AS_PRESENT.
   * @param numJobSlots - job slots (bounds a context's use count).
   * @param warnings - WARN_ON sink.
   * @param clock - virtual time source for {@link history}.
   */
  constructor(
    readonly hw: MmuHw,
    private readonly mmio: MmioBus,
    readonly lock: AsLock,
    readonly asPresent: number,
    private readonly numJobSlots: number,
    private readonly warnings: WarningSink,
    private readonly clock: () => number = () => 0,
  ) {}

  private record(e: Omit<AsEvent, "time">): void {
    this.history.push({ time: this.clock(), ...e });
    if (this.history.length > AS_HISTORY_LIMIT) this.history.shift();
  }

  /** Registers a callback run whenever a slot may have become obtainable (put, release, reset, lock free). */
  onAvailable(fn: () => void): void {
    this.listeners.push(fn);
  }

  private notify(): void {
    for (const fn of this.listeners) fn();
  }

  /**
   * Gets an AS for `ctx` and takes one use of it: the bound slot (re-enabled first if an
   * unhandled fault disabled it), else a free slot, else the least recently used idle slot of
   * another context. Returns the slot, -EBUSY when every slot is held by jobs, or -EAGAIN when
   * the AS lock is held by an operation in progress; in both cases nothing changed. After an
   * -EAGAIN the {@link onAvailable} listeners run once, when the holder releases the lock (where
   * the kernel's caller, spinning on the lock, would take it).
   *
   * Mirrors panfrost_mmu_as_get().
   */
  asGet(ctx: AsClient): number {
    const r = this.lock.tryWith(() => this.asGetLocked(ctx));
    if (r === undefined) {
      this.counters.waits++;
      this.lock.whenReleased(this.retryAfterLock);
      return -EAGAIN;
    }
    return r;
  }

  /** {@link asGet} for a caller that already holds the AS lock. */
  asGetLocked(ctx: AsClient): number {
    if (ctx.as >= 0) {
      const as = ctx.as;
      ctx.asCount++;
      if (ctx.asCount >= maxAsCount(this.numJobSlots)) {
        this.warnings.warn("panfrost_mmu_as_get", `AS${as} use count ${ctx.asCount} too high`);
      }
      this.touch(ctx);
      if (this.clearFaultyLocked(as)) {
        this.counters.faultyReenables++;
        this.record({ as, ctx: ctx.id, kind: "reenable" });
        this.hw.enable(as, ctx.asConfig);
      }
      this.counters.fastGets++;
      return as;
    }
    let as = lowestClear(this.allocMask);
    if (as < 0 || ((this.asPresent >>> as) & 1) === 0) {
      let victim: AsClient | undefined;
      for (let i = this.lru.length - 1; i >= 0; i--) {
        const c = this.lru[i];
        if (c !== undefined && c.asCount === 0) {
          victim = c;
          break;
        }
      }
      if (victim === undefined) {
        this.counters.waits++;
        return -EBUSY;
      }
      this.lru.splice(this.lru.indexOf(victim), 1);
      as = victim.as;
      if (as < 0) this.warnings.warn("panfrost_mmu_as_get", `LRU context ${victim.id} holds no AS`);
      victim.as = -1;
      this.counters.steals++;
      this.record({ as, ctx: ctx.id, kind: "steal", from: victim.id });
    } else {
      this.counters.freeGets++;
      this.record({ as, ctx: ctx.id, kind: "bind" });
    }
    ctx.as = as;
    this.allocMask = (this.allocMask | (1 << as)) >>> 0;
    ctx.asCount = 1;
    this.lru.unshift(ctx);
    // A slot left faulty by its previous owner would keep its IRQs masked and swallow the new
    // owner's faults (a heap that can never grow): clear and unmask it before handing it over.
    // The kernel only does this on the fast path above.
    this.clearFaultyLocked(as);
    this.hw.enable(as, ctx.asConfig);
    return as;
  }

  /**
   * If slot `as` is marked faulty, clears its pending MMU interrupts, unmasks them and forgets
   * the mark; returns whether it was faulty. Caller holds the lock.
   */
  private clearFaultyLocked(as: number): boolean {
    const bits = ((1 << as) | (1 << (16 + as))) >>> 0;
    if ((this.faultyMask & bits) === 0) return false;
    this.mmio.write32(MMU_INT_CLEAR, bits);
    this.faultyMask = (this.faultyMask & ~bits) >>> 0;
    this.mmio.write32(MMU_INT_MASK, ~this.faultyMask >>> 0);
    return true;
  }

  /**
   * Drops one use of `ctx`'s AS. The slot stays bound (and in the LRU) until stolen.
   *
   * Mirrors panfrost_mmu_as_put().
   */
  asPut(ctx: AsClient): void {
    ctx.asCount--;
    if (ctx.asCount < 0) {
      this.warnings.warn("panfrost_mmu_as_put", `context ${ctx.id} use count below 0`);
      ctx.asCount = 0;
    }
    if (ctx.asCount === 0) this.notify();
  }

  private touch(ctx: AsClient): void {
    const i = this.lru.indexOf(ctx);
    if (i > 0) {
      this.lru.splice(i, 1);
      this.lru.unshift(ctx);
    }
  }

  /**
   * Flushes the TLB of `[iova, iova + size)` for `ctx`, if (and only if) it holds an AS at the
   * moment the operation is issued: the check and the operation are one critical section, so a
   * slot reassigned to another context is never targeted. Returns -EAGAIN (nothing done) if the
   * lock is held; the caller must then defer.
   *
   * Mirrors panfrost_mmu_flush_range().
   */
  flushRange(ctx: AsClient, iova: number, size: number): number {
    const r = this.lock.tryWith(() => this.flushRangeLocked(ctx, iova, size));
    return r === undefined ? -EAGAIN : r;
  }

  /** {@link flushRange} for a caller that holds the AS lock. */
  flushRangeLocked(ctx: AsClient, iova: number, size: number): number {
    if (ctx.as < 0) return 0;
    return this.hw.doOperation(ctx.as, iova, size, AS_COMMAND_FLUSH_PT);
  }

  /**
   * Marks slot `as` faulty (its IRQs are ignored until its owner next gets it) and disables it,
   * which aborts the accesses of the jobs running on it. Caller holds the lock.
   */
  killFaultyLocked(as: number, bits: number): void {
    this.faultyMask = (this.faultyMask | bits) >>> 0;
    this.record({ as, ctx: this.ownerOf(as)?.id ?? -1, kind: "fault" });
    this.hw.disable(as);
  }

  /**
   * Unbinds `ctx` from its slot (disable, free the slot, leave the LRU) when the context is
   * destroyed. Caller holds the lock.
   *
   * Mirrors the AS part of panfrost_mmu_release_ctx().
   */
  releaseLocked(ctx: AsClient): void {
    if (ctx.as >= 0) {
      if (ctx.asCount !== 0) {
        this.warnings.warn("panfrost_mmu_release_ctx", `context ${ctx.id} released while in use`);
      }
      this.record({ as: ctx.as, ctx: ctx.id, kind: "release" });
      this.hw.disable(ctx.as);
      this.allocMask = (this.allocMask & ~(1 << ctx.as)) >>> 0;
      this.clearFaultyLocked(ctx.as);
      const i = this.lru.indexOf(ctx);
      if (i >= 0) this.lru.splice(i, 1);
      ctx.as = -1;
      ctx.asCount = 0;
    }
    this.notify();
  }

  /**
   * Forgets every binding after a GPU reset: all slots free, no faulty slot, every context
   * unbound, MMU IRQs cleared and unmasked. Caller holds the lock.
   *
   * Mirrors panfrost_mmu_reset().
   */
  resetLocked(): void {
    this.allocMask = 0;
    this.faultyMask = 0;
    for (const c of this.lru) {
      this.record({ as: c.as, ctx: c.id, kind: "reset" });
      c.as = -1;
      c.asCount = 0;
    }
    this.lru.length = 0;
    this.mmio.write32(MMU_INT_CLEAR, 0xffff_ffff);
    this.mmio.write32(MMU_INT_MASK, 0xffff_ffff);
    this.notify();
  }

  /** The context bound to slot `as`, if any (lookup for the fault handler). */
  ownerOf(as: number): AsClient | undefined {
    return this.lru.find((c) => c.as === as);
  }

  /** Bound contexts, most recently used first. */
  lruOrder(): readonly AsClient[] {
    return this.lru;
  }

  /** A snapshot of every present slot. */
  snapshot(): AsSlotSnapshot[] {
    const out: AsSlotSnapshot[] = [];
    for (let as = 0; as < 32; as++) {
      if (((this.asPresent >>> as) & 1) === 0) continue;
      const owner = this.ownerOf(as);
      const bits = ((1 << as) | (1 << (16 + as))) >>> 0;
      out.push({
        as,
        state: owner === undefined ? "free" : owner.asCount > 0 ? "in-use" : "allocated",
        ctx: owner?.id ?? null,
        count: owner?.asCount ?? 0,
        faulty: (this.faultyMask & bits) !== 0,
        lruPos: owner === undefined ? null : this.lru.indexOf(owner),
      });
    }
    return out;
  }
}

/** Index of the lowest clear bit of a 32-bit mask, or -1 when all bits are set (ffz). */
export function lowestClear(mask: number): number {
  const inv = ~mask >>> 0;
  if (inv === 0) return -1;
  return 31 - Math.clz32(inv & -inv);
}

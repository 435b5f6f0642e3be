/**
 * The GPU-control half of the device the MMU code needs: the GPU interrupt (acknowledging
 * requests) and cache flushes through GPU_CMD.
 */
import {
  CSF_GPU_CMD_SOFT_RESET,
  csfFlushCachesCmd,
  type EventLoop,
  GPU_INT_CLEAR,
  GPU_INT_MASK,
  GPU_INT_RAWSTAT,
  GPU_INT_STAT,
  GPU_IRQ_CLEAN_CACHES_COMPLETED,
  GPU_IRQ_MASK_ERROR,
  GPU_IRQ_RESET_COMPLETED,
  type IrqLine,
  L2_PWROFF_LO,
  L2_PWRON_LO,
  L2_READY_LO,
  type MmioBus,
} from "@panmmu/hw";
import { EIO, ETIMEDOUT, type WarningSink } from "@panmmu/uapi";

/** GPU_CMD. */
const GPU_CMD = 0x30;
/** How long a soft reset may take: 100 ms. */
export const RESET_TIMEOUT_NS = 100_000_000;
/** How long a cache flush may take: 100 ms. */
export const FLUSH_TIMEOUT_NS = 100_000_000;
/** Events the GPU interrupt handles. */
export const GPU_INTERRUPTS_MASK =
  GPU_IRQ_MASK_ERROR | GPU_IRQ_RESET_COMPLETED | GPU_IRQ_CLEAN_CACHES_COMPLETED;

/** How long the L2 may take to power up: 20 ms. */
export const L2_POWER_TIMEOUT_NS = 20_000_000;

/** Counters of the GPU block. */
export interface GpuCounters {
  /** Cache flushes sent. */
  flushes: number;
  /** Cache flushes that timed out. */
  flushTimeouts: number;
  /** Cache flushes that waited for another one in progress (`cache_flush_lock` contended). */
  flushesSerialized: number;
  /** Cache flushes skipped (-EIO) because a timed-out flush was still pending. */
  flushesSkipped: number;
  /** GPU interrupts handled. */
  irqs: number;
}

/** The GPU-control block of the driver. Mirrors the parts of panthor_gpu.c the MMU uses. */
export class PanthorGpu {
  /** Requests sent and not acknowledged yet (GPU_IRQ_* bits). Mirrors `gpu->pending_reqs`. */
  pendingReqs = 0;
  /** Counters. */
  readonly counters: GpuCounters = {
    flushes: 0,
    flushTimeouts: 0,
    flushesSerialized: 0,
    flushesSkipped: 0,
    irqs: 0,
  };
  private readonly flushAcked = (): boolean =>
    (this.pendingReqs & GPU_IRQ_CLEAN_CACHES_COMPLETED) === 0;

  constructor(
    private readonly mmio: MmioBus,
    private readonly loop: EventLoop,
    private readonly warnings: WarningSink,
  ) {}

  /** Installs the GPU interrupt handler and unmasks its events. Mirrors panthor_gpu_init()'s IRQ request. */
  attach(irq: IrqLine): void {
    irq.setHandler(() => this.irqHandler());
    this.mmio.write32(GPU_INT_CLEAR, GPU_INTERRUPTS_MASK);
    this.mmio.write32(GPU_INT_MASK, GPU_INTERRUPTS_MASK);
  }

  /**
   * Powers the L2 on (one L2 slice, as panthor does) and waits up to 20 ms for L2_READY: 0 or
   * -ETIMEDOUT. Mirrors panthor_gpu_l2_power_on().
   */
  l2PowerOn(): number {
    const ready = (): boolean => (this.mmio.read32(L2_READY_LO) & 1) !== 0;
    if (ready()) return 0;
    this.mmio.write32(L2_PWRON_LO, 1);
    this.mmio.write32(L2_PWRON_LO + 4, 0);
    return ready() || this.loop.runUntil(ready, L2_POWER_TIMEOUT_NS) ? 0 : -ETIMEDOUT;
  }

  /**
   * Powers the L2 off and waits up to 20 ms for L2_READY to clear: 0 or -ETIMEDOUT. Mirrors
   * panthor_hw_l2_power_off().
   */
  l2PowerOff(): number {
    const off = (): boolean => (this.mmio.read32(L2_READY_LO) & 1) === 0;
    if (off()) return 0;
    this.mmio.write32(L2_PWROFF_LO, 1);
    this.mmio.write32(L2_PWROFF_LO + 4, 0);
    return off() || this.loop.runUntil(off, L2_POWER_TIMEOUT_NS) ? 0 : -ETIMEDOUT;
  }

  /** Whether the GPU interrupt is suspended (runtime suspend). */
  irqSuspended = false;

  /**
   * Runtime suspend: a soft reset unless the firmware may restart fast (then the L2 is only
   * powered off), and the interrupt masked. Mirrors panthor_gpu_suspend().
   */
  suspend(fastReset: boolean): void {
    if (!fastReset) this.softReset();
    else this.l2PowerOff();
    this.mmio.write32(GPU_INT_MASK, 0);
    this.irqSuspended = true;
  }

  /** Runtime resume: the interrupt unmasked, the L2 powered on. Mirrors panthor_gpu_resume(). */
  resume(): void {
    this.irqSuspended = false;
    this.mmio.write32(GPU_INT_CLEAR, GPU_INTERRUPTS_MASK);
    this.mmio.write32(GPU_INT_MASK, GPU_INTERRUPTS_MASK);
    this.l2PowerOn();
  }

  /**
   * GPU_CMD SOFT_RESET and up to 100 ms for RESET_COMPLETED: 0 or -ETIMEDOUT. A reset already
   * pending is a WARN and is not sent twice. A cache flush left pending by a timeout is
   * forgotten: the reset is what recovers from it. Mirrors panthor_gpu_soft_reset().
   */
  softReset(): number {
    const done = (): boolean => (this.pendingReqs & GPU_IRQ_RESET_COMPLETED) === 0;
    if (!this.flushLockHeld) this.pendingReqs &= ~GPU_IRQ_CLEAN_CACHES_COMPLETED;
    if (!done()) {
      this.warnings.warn("panthor_gpu_soft_reset", "reset already pending");
    } else {
      this.pendingReqs |= GPU_IRQ_RESET_COMPLETED;
      this.mmio.write32(GPU_INT_CLEAR, GPU_IRQ_RESET_COMPLETED);
      this.mmio.write32(GPU_CMD, CSF_GPU_CMD_SOFT_RESET);
    }
    if (this.loop.runUntil(done, RESET_TIMEOUT_NS)) return 0;
    if ((this.mmio.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED) === 0) return -ETIMEDOUT;
    this.pendingReqs &= ~GPU_IRQ_RESET_COMPLETED;
    return 0;
  }

  /** Masks the interrupt and drops the handler. */
  detach(irq: IrqLine): void {
    this.mmio.write32(GPU_INT_MASK, 0);
    irq.clearHandler();
  }

  private irqHandler(): void {
    if (this.irqSuspended) return;
    const status = this.mmio.read32(GPU_INT_STAT) >>> 0;
    if (status === 0) return;
    this.counters.irqs++;
    this.mmio.write32(GPU_INT_CLEAR, status);
    if ((status & GPU_IRQ_MASK_ERROR) !== 0)
      this.warnings.warn("panthor_gpu_irq", `GPU fault 0x${status.toString(16)}`);
    this.pendingReqs = (this.pendingReqs & ~status) >>> 0;
  }

  /**
   * Flushes (CACHE_CLEAN) and/or invalidates (CACHE_INV) the L2, load/store and other caches
   * and waits up to 100 ms for CLEAN_CACHES_COMPLETED: 0, -ETIMEDOUT, or -EIO when a flush that
   * timed out is still pending (the memory system is stuck; the caller's reset clears it, and
   * flushes asked for meanwhile are skipped). Flushes are serialized by `cache_flush_lock`: a
   * caller that arrives while another one waits (here: an event run inside that wait) sleeps
   * until the first flush completes, then sends its own. Mirrors panthor_gpu_flush_caches().
   */
  flushCaches(l2: number, lsc: number, other: number): number {
    if (this.flushLockHeld) {
      this.counters.flushesSerialized++;
      this.loop.runUntil(this.flushAcked, FLUSH_TIMEOUT_NS);
    }
    if ((this.pendingReqs & GPU_IRQ_CLEAN_CACHES_COMPLETED) !== 0) {
      this.counters.flushesSkipped++;
      return -EIO;
    }
    const outer = this.flushLockHeld;
    this.flushLockHeld = true;
    try {
      this.pendingReqs |= GPU_IRQ_CLEAN_CACHES_COMPLETED;
      this.counters.flushes++;
      this.mmio.write32(GPU_CMD, csfFlushCachesCmd(l2, lsc, other));
      if (this.loop.runUntil(this.flushAcked, FLUSH_TIMEOUT_NS)) return 0;
      // Timed out: the interrupt may just not have been handled yet.
      if ((this.mmio.read32(GPU_INT_RAWSTAT) & GPU_IRQ_CLEAN_CACHES_COMPLETED) === 0) {
        this.counters.flushTimeouts++;
        return -ETIMEDOUT;
      }
      this.pendingReqs &= ~GPU_IRQ_CLEAN_CACHES_COMPLETED;
      return 0;
    } finally {
      this.flushLockHeld = outer;
    }
  }

  /** Whether a flush holds `cache_flush_lock` (a nested caller waits for it). */
  private flushLockHeld = false;
}
